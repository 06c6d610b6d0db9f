"""Where the existing safety classifier and the concern facet disagree, per base cluster and node.

Input rows (one per conversation): ``conversation_id``, ``user_id``, ``moderation_flagged`` (bool,
null = no verdict), ``moderation_score`` (float in [0, 1], nullable), ``concerning`` (1–5),
``cluster_id`` (int) and ``node_path`` (hierarchy node ids top → leaf, null where suppressed).

Each conversation with both verdicts is one cell of a 2x2 table: the classifier flagged it or
not, the concern facet rates it concerning (>= ``CONCERNING_AT``) or not. A node's false-positive
rate is its share of flagged-but-not-concerning conversations, its false-negative rate its share
of concerning-but-unflagged ones. Counting disagreeing conversations, not comparing means, keeps
a planted group visible inside a cluster it shares with agreeing traffic (a flagged, concerning
weapons topic does not cancel a flagged, harmless game-stats topic next to it).

Suspicion scores use Wilson bounds so that small nodes cannot lead a ranking on luck:

* false positive: ``wilson_low(fp_rate) - background_fp_rate``
* false negative: ``wilson_low(fn_rate) - background_fn_rate``

i.e. how far, even on a pessimistic reading, the node disagrees more than ordinary traffic. The
background is the median base cluster's rate (weighted by size), not the whole day's: on real
traffic the disagreements themselves are much of the day's rate (:func:`_background_rates`).
Only nodes with a score > 0 are listed, minus parents with >= 90% of their conversations in one
child, or >= 2/3 of their disagreeing conversations in one listed child (the child is listed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

Z_95 = 1.959963984540054
REDUNDANT_PARENT_SHARE = 0.9
EXPLAINED_BY_CHILD = 2 / 3
CONCERNING_AT = 3  # the facet's 1–5 scale: 1–2 not concerning, 3–5 concerning to some degree

_STAT_COLUMNS = [
    "conversation_count",
    "unique_users",
    "moderated_count",
    "flagged_count",
    "flag_rate",
    "concerning_mean",
    "false_positive_rate",
    "false_negative_rate",
]


def wilson_bounds(successes: np.ndarray, n: np.ndarray, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (low, high) for ``successes / n``; (0, 1) where ``n == 0``."""
    successes = np.asarray(successes, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    safe_n = np.where(n > 0, n, 1.0)
    p = successes / safe_n
    denom = 1.0 + z * z / safe_n
    centre = (p + z * z / (2 * safe_n)) / denom
    half = z * np.sqrt(np.maximum(p * (1 - p) / safe_n + z * z / (4 * safe_n * safe_n), 0.0)) / denom
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    return low, high


def _rank(values: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank), as Spearman needs."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    sorted_vals = values[order]
    boundaries = np.flatnonzero(np.diff(sorted_vals)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(values)]])
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end - 1) / 2.0
    return ranks


def correlations(x: np.ndarray, y: np.ndarray) -> dict[str, float | int | None]:
    """Pearson and Spearman of two aligned arrays; None where undefined (< 3 points or a constant)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    out: dict[str, float | int | None] = {"pearson": None, "spearman": None, "n": len(x)}
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    out["pearson"] = float(np.corrcoef(x, y)[0, 1])
    out["spearman"] = float(np.corrcoef(_rank(x), _rank(y))[0, 1])
    return out


def _with_signal(rows: pl.DataFrame) -> pl.DataFrame:
    """Adds the classifier signal per conversation (its score, else its flag as 0/1), the flag as
    0/1, and whether the two sources disagree either way (null without both verdicts)."""
    flagged = pl.col("moderation_flagged")
    concerning = pl.col("concerning") >= CONCERNING_AT
    judged = flagged.is_not_null() & concerning.is_not_null()  # Kleene logic: null & False is False
    return rows.with_columns(
        pl.coalesce(pl.col("moderation_score"), flagged.cast(pl.Float64)).alias("_signal"),
        flagged.cast(pl.Int64).alias("_flag"),
        pl.when(judged).then((flagged & ~concerning).cast(pl.Int64)).alias("_fp"),
        pl.when(judged).then((~flagged & concerning).cast(pl.Int64)).alias("_fn"),
    )


def _aggregate(rows: pl.DataFrame, key: str) -> pl.DataFrame:
    return rows.group_by(key).agg(
        pl.len().alias("conversation_count"),
        pl.col("user_id").n_unique().alias("unique_users"),
        pl.col("_flag").count().alias("moderated_count"),
        pl.col("_flag").sum().alias("flagged_count"),
        pl.col("_flag").mean().alias("flag_rate"),
        pl.col("concerning").cast(pl.Float64).mean().alias("concerning_mean"),
        pl.col("_fp").count().alias("_judged_count"),
        pl.col("_fp").sum().alias("_fp_count"),
        pl.col("_fn").sum().alias("_fn_count"),
        pl.col("_fp").mean().alias("false_positive_rate"),
        pl.col("_fn").mean().alias("false_negative_rate"),
    )


def _weighted_median(rates: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(rates, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(rates[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _background_rates(rows: pl.DataFrame) -> tuple[float, float]:
    """The false-positive and false-negative rates of ordinary traffic: the median over base
    clusters, weighted by their judged conversations (0 without any).

    Not the whole day's rate: on real traffic the disagreements being looked for (a harmful topic
    the classifier misses, a benign topic it over-flags) are a large part of that rate, and a
    baseline inflated by them hides a group diluted in a cluster of ordinary requests (a tenth of
    a cluster, flagged at 60%, is 6% against a background near 1%).
    """
    clusters = _aggregate(_with_signal(rows), "cluster_id").filter(pl.col("_judged_count") > 0)
    if clusters.height == 0:
        return 0.0, 0.0
    weights = clusters["_judged_count"].to_numpy().astype(np.float64)
    return tuple(
        _weighted_median(clusters[name].to_numpy().astype(np.float64), weights)
        for name in ("false_positive_rate", "false_negative_rate")
    )


def _with_scores(stats: pl.DataFrame, day_rates: tuple[float, float]) -> pl.DataFrame:
    """Adds ``fp_score`` and ``fn_score`` (see the module docstring); null where nothing is judged."""
    judged = stats["_judged_count"].to_numpy()
    fp_low, _ = wilson_bounds(stats["_fp_count"].fill_null(0).to_numpy(), judged)
    fn_low, _ = wilson_bounds(stats["_fn_count"].fill_null(0).to_numpy(), judged)
    return stats.with_columns(
        pl.Series("fp_score", np.where(judged > 0, fp_low - day_rates[0], np.nan)).fill_nan(None),
        pl.Series("fn_score", np.where(judged > 0, fn_low - day_rates[1], np.nan)).fill_nan(None),
    )


def cluster_stats(rows: pl.DataFrame) -> pl.DataFrame:
    """Per base cluster: counts, unique users, flag rate, concerning mean and suspicion scores."""
    return _with_scores(_aggregate(_with_signal(rows), "cluster_id"), _background_rates(rows)).sort(
        "cluster_id"
    )


def node_stats(rows: pl.DataFrame) -> pl.DataFrame:
    """Per hierarchy node (every id on any ``node_path``), with its depth (0 = top)."""
    paths = _with_signal(rows).filter(pl.col("node_path").is_not_null())
    exploded = paths.with_columns(
        pl.int_ranges(0, pl.col("node_path").list.len(), dtype=pl.Int32).alias("depth")
    ).explode(["node_path", "depth"])
    exploded = exploded.rename({"node_path": "node_id"}).filter(pl.col("node_id").is_not_null())
    stats = _aggregate(exploded, "node_id")
    depths = exploded.group_by("node_id").agg(pl.col("depth").min())
    largest_child = _largest_child_share(paths["node_path"])
    stats = stats.join(depths, on="node_id").join(largest_child, on="node_id", how="left")
    for kind in ("fp", "fn"):
        disagreeing = paths.filter(pl.col(f"_{kind}") == 1)
        stats = stats.join(_children_disagreements(disagreeing, kind), on="node_id", how="left")
    stats = stats.with_columns(pl.col("largest_child_share").fill_null(0.0))
    return _with_scores(stats, _background_rates(rows)).sort("node_id")


def _children_disagreements(disagreeing: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Per node, its children and how many of its disagreeing conversations each holds
    (``{kind}_children``, ``{kind}_child_counts``)."""
    pairs = (
        disagreeing.select(pl.col("node_path").alias("path"))
        .with_columns(pl.col("path").list.slice(1).alias("child"))
        .with_columns(pl.col("path").list.head(pl.col("child").list.len()))
        .explode(["path", "child"])
        .drop_nulls()
    )
    return (
        pairs.group_by(["path", "child"])
        .len()
        .sort(["path", "child"])
        .group_by("path", maintain_order=True)
        .agg(pl.col("child").alias(f"{kind}_children"), pl.col("len").alias(f"{kind}_child_counts"))
        .rename({"path": "node_id"})
    )


def _largest_child_share(paths: pl.Series) -> pl.DataFrame:
    """Per node, the share of its conversations under its largest child (0 for leaves)."""
    pairs = (
        pl.DataFrame({"path": paths})
        .with_columns(pl.col("path").list.slice(1).alias("child"))
        .with_columns(pl.col("path").list.head(pl.col("child").list.len()))
        .explode(["path", "child"])
        .drop_nulls()
    )
    counts = pairs.group_by(["path", "child"]).len()
    return (
        counts.group_by("path")
        .agg((pl.col("len").max() / pl.col("len").sum()).alias("largest_child_share"))
        .rename({"path": "node_id"})
    )


def _explained_share(stats: pl.DataFrame, kind: str, listed: pl.Series) -> pl.DataFrame:
    """node_id, explained: the largest share of a node's disagreeing conversations that one of its
    ``listed`` children holds (0 for leaves)."""
    children = (
        stats.select("node_id", f"_{kind}_count", f"{kind}_children", f"{kind}_child_counts")
        .explode(f"{kind}_children", f"{kind}_child_counts")
        .filter(pl.col(f"{kind}_children").is_in(listed.implode()))
        .group_by("node_id")
        .agg((pl.col(f"{kind}_child_counts").max() / pl.col(f"_{kind}_count").first()).alias("explained"))
    )
    return stats.select("node_id").join(children, on="node_id", how="left").fill_null(0.0)


def _ranked(stats: pl.DataFrame, kind: str, top: int) -> list[dict[str, Any]]:
    score = f"{kind}_score"
    suspicious = stats.filter(pl.col(score) > 0)
    # a parent that is (almost) one child, or whose disagreements mostly sit in one child that is
    # listed itself, repeats that child's evidence: only the child is listed, which leaves room for
    # other groups near the top. (Pruning parents whose disagreements are spread over several
    # listed children too was tried on the dev corpus: a group split over two leaves then lost
    # the parent that matches it best.)
    explained = _explained_share(suspicious, kind, suspicious["node_id"])
    ranked = suspicious.join(explained, on="node_id").filter(
        (pl.col("largest_child_share") < REDUNDANT_PARENT_SHARE) & (pl.col("explained") < EXPLAINED_BY_CHILD)
    )
    ranked = ranked.sort([score, "conversation_count", "node_id"], descending=[True, True, False])
    return [_clean(item) | {"score": _round(item[score])} for item in ranked.head(top).to_dicts()]


def _round(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) and math.isfinite(value) else value


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    keep = ["node_id", "depth", *_STAT_COLUMNS]
    return {key: _round(item[key]) for key in keep if key in item}


def disagreement_report(rows: pl.DataFrame, *, top: int = 20) -> dict[str, Any]:
    """The restricted ``disagreement.json``: correlations, rankings and every node's statistics.

    Top-level ``pearson`` / ``spearman`` are per base cluster (flag rate vs concerning mean, over
    clusters with any moderation data), as in Clio; ``per_conversation`` correlates the classifier
    score (or flag) with the concern facet. All are None when there is no moderation data.
    """
    signal = _with_signal(rows)
    per_conversation = correlations(
        signal["_signal"].cast(pl.Float64).to_numpy(), signal["concerning"].cast(pl.Float64).to_numpy()
    )
    clusters = cluster_stats(rows)
    moderated = clusters.filter(pl.col("moderated_count") > 0)
    per_cluster = correlations(moderated["flag_rate"].to_numpy(), moderated["concerning_mean"].to_numpy())
    nodes = node_stats(rows)
    return {
        "pearson": per_cluster["pearson"],
        "spearman": per_cluster["spearman"],
        "per_cluster": per_cluster,
        "per_conversation": per_conversation,
        "conversation_count": rows.height,
        "moderated_count": int(signal["_flag"].count()),
        "scoring": "fp = wilson_low(share flagged and concerning < 3) - that share in the median cluster; "
        "fn = wilson_low(share unflagged and concerning >= 3) - that share in the median cluster",
        "false_positive_nodes": _ranked(nodes, "fp", top),
        "false_negative_nodes": _ranked(nodes, "fn", top),
        "nodes": [_clean(item) for item in nodes.to_dicts()],
        "clusters": [
            {"cluster_id": item["cluster_id"]}
            | _clean(item)
            | {"fp_score": _round(item["fp_score"]), "fn_score": _round(item["fn_score"])}
            for item in clusters.to_dicts()
        ],
    }


def public_view(report: dict[str, Any], allowed_node_ids: set[str] | frozenset[str]) -> dict[str, Any]:
    """The report restricted to nodes that passed the privacy thresholds.

    Base-cluster rows (which include suppressed clusters) and per-user counts are dropped; the
    correlations are aggregates over the whole day and stay.
    """

    def public_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {key: value for key, value in item.items() if key != "unique_users"}
            for item in items
            if item["node_id"] in allowed_node_ids
        ]

    return {
        key: public_items(value)
        if key in ("false_positive_nodes", "false_negative_nodes", "nodes")
        else value
        for key, value in report.items()
        if key != "clusters"
    }
