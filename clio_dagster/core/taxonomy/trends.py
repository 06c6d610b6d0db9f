"""Stable taxonomy across days, growth, emerging topics, and cheap assignment to a taxonomy.

Each day's nodes are matched one-to-one (per depth) to the nodes seen in a trailing window of
previous days by centroid cosine; a match above ``min_similarity`` inherits the old stable id, so
an id persists while its topic does. A node without a match in the window gets a new id.

Being *new* is decided separately, because the hierarchy is rebuilt every day: leaves split and
parents regroup differently, so a node can lose the one-to-one matching while its topic is old.
Newness is judged conversation by conversation against the window's base clusters, each with its
*member floor*: the cosine to its centroid that all but its least typical tenth of members reach.
A conversation is *novel* when it is below the floor of the window's cluster nearest to it: it
would have been assigned to that topic, yet fits it worse than nine in ten of the topic's own
conversations did. Measured against each cluster's own spread, the test needs no cosine bar tied
to one embedder or input; and only the nearest cluster may explain a conversation, because a
diffuse cluster has a low floor that a great many unrelated conversations would clear. A node is
*emerging* when, at 95% confidence (Wilson lower bound), more than ``emerging_share`` of its
conversations are novel, never on the first day ever tracked; and a parent is emerging only if all
of its children are (see :func:`settle_parents`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from clio_dagster.core.mapped import float32_blocks, gather_rows

# the depth at which a snapshot stores base clusters (no hierarchy node has it)
CLUSTER_DEPTH = -1
Z_95 = 1.959964

SNAPSHOT_SCHEMA = pl.Schema(
    {
        "date": pl.Utf8,
        "node_id": pl.Utf8,  # the stable id
        "depth": pl.Int32,
        "share": pl.Float64,
        "concerning_mean": pl.Float64,
        "centroid": pl.List(pl.Float32),
        # base clusters only: the cosine to the centroid that all but floor_quantile of members reach
        "member_floor": pl.Float64,
    }
)

TRENDS_SCHEMA = pl.Schema(
    {
        "node_id": pl.Utf8,  # today's id from the hierarchy builder
        "stable_id": pl.Utf8,
        "depth": pl.Int32,
        "share": pl.Float64,
        "concerning_mean": pl.Float64,
        "matched_similarity": pl.Float64,  # null when new
        # estimated share of its conversations below the floor of their nearest cluster of the
        # window (novel_rows); null on the first day
        "novel_share": pl.Float64,
        "novel_sampled": pl.Int64,  # how many of its conversations that estimate is from
        "previous_share": pl.Float64,  # share on the latest earlier day with this id, else null
        "trailing_mean_share": pl.Float64,  # over the window's days, 0 on days the id was absent
        "growth": pl.Float64,  # share / trailing_mean_share, null without history
        "emerging": pl.Boolean,
        "fast_growing_concerning": pl.Boolean,
    }
)


@dataclass(frozen=True)
class TrendParams:
    min_similarity: float = 0.8
    # a cluster's member floor leaves out its least typical members, this share of them
    floor_quantile: float = 0.1
    # emerging: the Wilson lower bound of a node's novel share must exceed this (a majority)
    emerging_share: float = 0.5
    # members of each base cluster whose novelty is measured (evenly spread; all when fewer)
    novelty_sample: int = 64
    window_days: int = 7
    growth_threshold: float = 2.0
    concerning_threshold: float = 3.0  # concerning_mean at or above which growth is alarming
    min_share: float = 0.005  # below this a node is too small to alert on
    # assign mode: the nodes already carry the taxonomy's stable ids, so they keep them unmatched
    keep_ids: bool = False


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """float32 copy with L2-normalised rows (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def node_centroids(
    embeddings: np.ndarray, node_paths: list[list[str] | None]
) -> tuple[list[str], np.ndarray]:
    """Unit centroid of every node on any path: the normalised mean of its conversations' embeddings."""
    from scipy.sparse import csr_matrix

    ids = sorted({node for path in node_paths if path for node in path})
    index = {node: i for i, node in enumerate(ids)}
    rows, cols = [], []
    for row, path in enumerate(node_paths):
        for node in path or ():
            rows.append(index[node])
            cols.append(row)
    membership = csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(ids), len(embeddings))
    ).tocsc()
    # block by block, so a memory-mapped day is never resident all at once
    sums = np.zeros((len(ids), embeddings.shape[1]), dtype=np.float64)
    for start, block in float32_blocks(embeddings, 65_536):
        sums += membership[:, start : start + len(block)] @ block
    return ids, unit_rows(sums.astype(np.float32))


def member_floors(
    embeddings: np.ndarray, labels: np.ndarray, centroids: np.ndarray, quantile: float
) -> np.ndarray:
    """Per row of ``centroids``: the cosine to it that all but the ``quantile`` least typical of its
    members reach (``labels`` index the rows; nan for a row without members)."""
    units = unit_rows(centroids)
    similarity = np.empty(len(labels), dtype=np.float32)
    for start, block in float32_blocks(embeddings, 65_536):
        own = units[labels[start : start + len(block)]]
        similarity[start : start + len(block)] = np.einsum("ij,ij->i", unit_rows(block), own)
    floors = (
        pl.DataFrame({"label": labels.astype(np.int64), "similarity": similarity})
        .group_by("label")
        .agg(pl.col("similarity").quantile(quantile, interpolation="lower"))
    )
    out = np.full(len(centroids), np.nan)
    out[floors["label"].to_numpy()] = floors["similarity"].to_numpy()
    return out


def snapshot(
    date: str,
    stable_ids: list[str],
    depths: list[int],
    shares: list[float],
    concerning_means: list[float],
    centroids: np.ndarray,
    floors: np.ndarray | None = None,
) -> pl.DataFrame:
    """One day's taxonomy as SNAPSHOT_SCHEMA rows, to store and pass back as history; ``floors``
    (:func:`member_floors`) for base clusters, none for hierarchy nodes."""
    return pl.DataFrame(
        {
            "date": [date] * len(stable_ids),
            "node_id": stable_ids,
            "depth": depths,
            "share": shares,
            "concerning_mean": concerning_means,
            "centroid": [row.tolist() for row in unit_rows(centroids)],
            "member_floor": [None] * len(stable_ids) if floors is None else floors.tolist(),
        },
        schema=SNAPSHOT_SCHEMA,
    ).with_columns(pl.col("member_floor").fill_nan(None))


def trailing_window(history: pl.DataFrame, date: str, window_days: int) -> pl.DataFrame:
    """The rows of ``history`` dated in ``[date - window_days, date)``; snapshots stored before
    member floors existed get a null floor."""
    start = (dt.date.fromisoformat(date) - dt.timedelta(days=window_days)).isoformat()
    if "member_floor" not in history.columns:
        history = history.with_columns(pl.lit(None, pl.Float64).alias("member_floor"))
    return history.filter((pl.col("date") >= start) & (pl.col("date") < date))


def novelty_sample(labels: np.ndarray, per_cluster: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose novelty is measured: at most ``per_cluster`` members of each cluster, evenly spread
    over its rows (ascending), and each row's weight (its cluster's size over the rows taken), so a
    node's novel share is estimated with every cluster counted at its size."""
    order = np.argsort(labels, kind="stable")
    _, starts, sizes = np.unique(labels[order], return_index=True, return_counts=True)
    rows, weights = [], []
    for start, size in zip(starts, sizes, strict=True):
        taken = min(size, per_cluster)
        rows.append(order[start + np.linspace(0, size - 1, taken).round().astype(np.int64)])
        weights.append(np.full(taken, size / taken))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    rows_, weights_ = np.concatenate(rows), np.concatenate(weights)
    ascending = np.argsort(rows_, kind="stable")
    return rows_[ascending], weights_[ascending]


def novel_rows(
    embeddings: np.ndarray, rows: np.ndarray, window: pl.DataFrame, block: int = 4096
) -> np.ndarray:
    """Whether each of ``embeddings[rows]`` is novel: below the member floor of the base cluster of
    ``window`` nearest to it (all are novel against a window without clusters). A cluster stored
    without a floor (before floors existed) explains every row nearest to it, so an upgrade raises
    no false alarms."""
    clusters = window.filter(pl.col("depth") == CLUSTER_DEPTH)
    novel = np.ones(len(rows), dtype=bool)
    if clusters.height == 0 or len(rows) == 0:
        return novel
    centroids = np.asarray(clusters["centroid"].to_list(), dtype=np.float32).reshape(clusters.height, -1)
    floors = clusters["member_floor"].fill_null(-np.inf).to_numpy().astype(np.float32)
    for start in range(0, len(rows), block):
        similarity = unit_rows(gather_rows(embeddings, rows[start : start + block])) @ centroids.T
        nearest = similarity.argmax(axis=1)
        novel[start : start + block] = similarity[np.arange(len(nearest)), nearest] < floors[nearest]
    return novel


def wilson_lower(share: np.ndarray, n: np.ndarray, z: float = Z_95) -> np.ndarray:
    """Wilson score lower bound of a proportion ``share`` observed on ``n`` items (0 where n is 0)."""
    share, n = np.asarray(share, dtype=np.float64), np.asarray(n, dtype=np.float64)
    safe = np.where(n > 0, n, 1.0)
    centre = share + z * z / (2 * safe)
    half = z * np.sqrt(np.maximum(share * (1 - share) / safe + z * z / (4 * safe * safe), 0.0))
    return np.where(n > 0, (centre - half) / (1 + z * z / safe), 0.0)


def _match(today: np.ndarray, previous: np.ndarray, min_similarity: float) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matching maximising total similarity; index into ``previous`` or -1, and the sim."""
    from scipy.optimize import linear_sum_assignment

    match = np.full(len(today), -1, dtype=np.int64)
    best = np.full(len(today), np.nan)
    if len(today) == 0 or len(previous) == 0:
        return match, best
    sim = today @ previous.T
    # pairs below the bar are made worthless, then dropped after the assignment
    rows, cols = linear_sum_assignment(np.where(sim >= min_similarity, sim, -1.0), maximize=True)
    ok = sim[rows, cols] >= min_similarity
    match[rows[ok]] = cols[ok]
    best[rows[ok]] = sim[rows[ok], cols[ok]]
    return match, best


def _matched_ids(
    date: str, nodes: pl.DataFrame, today: np.ndarray, latest: pl.DataFrame, min_similarity: float
) -> tuple[list[str], np.ndarray]:
    """Stable id per node (matched per depth, else ``<node_id>@<date>``) and its match's cosine (nan: new)."""
    stable = [f"{node}@{date}" for node in nodes["node_id"]]
    similarity = np.full(nodes.height, np.nan)
    depths = nodes["depth"].to_numpy()
    for depth in np.unique(depths):
        here = np.flatnonzero(depths == depth)
        candidates = latest.filter(pl.col("depth") == int(depth))
        previous = np.asarray(candidates["centroid"].to_list(), dtype=np.float32).reshape(
            len(candidates), today.shape[1]
        )
        match, best = _match(today[here], previous, min_similarity)
        for i, j, sim in zip(here, match, best, strict=True):
            if j >= 0:
                stable[i] = candidates["node_id"][int(j)]
                similarity[i] = sim
    return stable, similarity


def _own_ids(ids: list[str], today: np.ndarray, latest: pl.DataFrame) -> tuple[list[str], np.ndarray]:
    """Every node keeps its id; the cosine to that id's latest centroid in the window (nan if absent)."""
    known = dict(zip(latest["node_id"], latest["centroid"], strict=True))
    similarity = np.array(
        [
            float(row @ np.asarray(known[i], dtype=np.float32)) if i in known else np.nan
            for i, row in zip(ids, today, strict=True)
        ]
    )
    return ids, similarity


def track_nodes(
    date: str,
    nodes: pl.DataFrame,
    centroids: np.ndarray,
    history: pl.DataFrame,
    params: TrendParams | None = None,
) -> pl.DataFrame:
    """TRENDS_SCHEMA rows for today's nodes against ``history`` (SNAPSHOT_SCHEMA, earlier days).

    ``nodes``: node_id, depth, share, concerning_mean, aligned with ``centroids``, and the node's
    novelty measured against the same window (:func:`novel_rows`): ``novel_share``, the weighted
    share of its sampled conversations that are novel, and ``novel_sampled``, how many were
    sampled. Only history days in ``[date - window_days, date)`` count. New ids are
    ``<node_id>@<date>``; with ``params.keep_ids`` every node keeps its ``node_id``
    (matched_similarity: to its own last centroid).
    """
    params = params or TrendParams()
    window = trailing_window(history, date, params.window_days)
    days = window["date"].n_unique()
    # "emerging" needs a past to be new against; only the very first day has none
    has_past = history.filter(pl.col("date") < date).height > 0
    # each stable id is matched on its latest centroid within the window
    latest = window.sort("date").group_by("node_id", maintain_order=True).last()
    today = unit_rows(centroids)
    if params.keep_ids:
        stable, similarity = _own_ids(nodes["node_id"].to_list(), today, latest)
    else:
        stable, similarity = _matched_ids(date, nodes, today, latest, params.min_similarity)
    shares_by_day = window.select("date", "node_id", "share")
    previous_share = (
        shares_by_day.sort("date").group_by("node_id").agg(pl.col("share").last().alias("previous_share"))
    )
    trailing = shares_by_day.group_by("node_id").agg((pl.col("share").sum() / max(days, 1)).alias("trailing"))
    out = (
        nodes.select("node_id", "depth", "share", "concerning_mean", "novel_share", "novel_sampled")
        .with_columns(
            pl.Series("stable_id", stable, dtype=pl.Utf8),
            pl.Series("matched_similarity", similarity, dtype=pl.Float64).fill_nan(None),
            pl.Series(
                "confident_novel_share",
                wilson_lower(nodes["novel_share"].to_numpy(), nodes["novel_sampled"].to_numpy()),
                dtype=pl.Float64,
            ),
            # the first day has nothing to be novel against
            pl.col("novel_share").cast(pl.Float64)
            if has_past
            else pl.lit(None, pl.Float64).alias("novel_share"),
        )
        .join(previous_share.rename({"node_id": "stable_id"}), on="stable_id", how="left")
        .join(trailing.rename({"node_id": "stable_id"}), on="stable_id", how="left")
        .with_columns(
            (pl.col("trailing").fill_null(0.0) if days else pl.lit(None, pl.Float64)).alias(
                "trailing_mean_share"
            )
        )
    )
    growth = pl.when(pl.col("trailing_mean_share") > 0).then(pl.col("share") / pl.col("trailing_mean_share"))
    out = out.with_columns(growth.alias("growth"))
    return out.with_columns(
        (pl.lit(has_past) & (pl.col("confident_novel_share") > params.emerging_share)).alias("emerging"),
        (
            (pl.col("concerning_mean") >= params.concerning_threshold)
            & (pl.col("share") >= params.min_share)
            & (pl.col("growth").fill_null(0.0) >= params.growth_threshold)
        ).alias("fast_growing_concerning"),
    ).select([pl.col(name).cast(dtype) for name, dtype in TRENDS_SCHEMA.items()])


def settle_parents(trends: pl.DataFrame, parent_of: dict[str, str | None]) -> pl.DataFrame:
    """A parent stays emerging only if every child is emerging: a new grouping of old topics
    is not a new topic. ``parent_of`` maps each ``node_id`` to its parent's (None at the top)."""
    emerging = dict(zip(trends["node_id"], trends["emerging"], strict=True))
    children: dict[str, list[str]] = {}
    for node, parent in parent_of.items():
        if parent is not None and node in emerging:
            children.setdefault(parent, []).append(node)
    depth = dict(zip(trends["node_id"], trends["depth"], strict=True))
    for node in sorted(children, key=lambda n: -depth.get(n, 0)):  # deepest parents first
        if node in emerging:
            emerging[node] = emerging[node] and all(emerging[c] for c in children[node])
    return trends.with_columns(
        pl.Series("emerging", [emerging[n] for n in trends["node_id"]], dtype=pl.Boolean)
    )


def trend_alerts(trends: pl.DataFrame, *, emerging_share: float = 0.01) -> list[dict[str, object]]:
    """Alert payloads: emerging nodes at or above ``emerging_share``, and fast-growing concerning nodes.

    Only the aggregates of nodes passed in are used; pass public (audited) nodes for public alerts.
    """
    hits = trends.filter(
        (pl.col("emerging") & (pl.col("share") >= emerging_share)) | pl.col("fast_growing_concerning")
    ).sort("share", descending=True)
    return [
        {
            "kind": "emerging" if row["emerging"] else "fast_growing_concerning",
            "node_id": row["stable_id"],
            "share": row["share"],
            "growth": row["growth"],
            "concerning_mean": row["concerning_mean"],
        }
        for row in hits.to_dicts()
    ]


def assign_to_taxonomy(
    embeddings: np.ndarray, centroids: np.ndarray, min_similarity: float, chunk_size: int = 65_536
) -> np.ndarray:
    """Nearest-centroid label per row (int32), or -1 ("unassigned") below ``min_similarity``."""
    units = unit_rows(centroids)
    labels = np.full(len(embeddings), -1, dtype=np.int32)
    if len(units) == 0:
        return labels
    for start, block in float32_blocks(embeddings, chunk_size):
        sim = unit_rows(block) @ units.T
        best = sim.argmax(axis=1)
        ok = sim[np.arange(len(best)), best] >= min_similarity
        labels[start : start + len(best)] = np.where(ok, best, -1)
    return labels
