"""Where the existing safety classifier and the concern facet disagree, per base cluster and node.

Input rows (one per conversation): ``conversation_id``, ``user_id``, ``moderation_flagged`` (bool,
null = no verdict), ``moderation_score`` (float in [0, 1], nullable), ``concerning`` (1–5),
``cluster_id`` (int) and ``node_path`` (hierarchy node ids top → leaf, null where suppressed).

Each conversation with both verdicts is one cell of a 2x2 table: the classifier flagged it or
not, the concern facet rates it concerning (>= ``CONCERNING_AT``) or not. Counting disagreeing
conversations, not comparing means, keeps a planted group visible inside a cluster it shares with
agreeing traffic (a flagged, concerning weapons topic does not cancel a flagged, harmless
game-stats topic next to it).

A disagreeing conversation counts by how sure the concern score is of its side
(:data:`CONCERN_STRENGTH`): an unflagged request the facet rates 5 ("almost certainly harmful") is
a miss worth a look; one it rates 3 ("more likely harmful than not") is nearly a coin flip, and
where the two sources merely agree at different strengths (templated marketing copy, a borderline
request the classifier lets through) such coin flips are most of a node's disagreements.
The reported ``false_positive_rate`` / ``false_negative_rate`` are plain shares; the scores use the
strength-weighted ones (``fp_weighted``: the weighted share of flagged-but-not-concerning
conversations, ``fn_weighted`` the same for concerning-but-unflagged ones).

Suspicion scores use Wilson bounds so that small nodes cannot lead a ranking on luck:

* false positive: ``wilson_low(fp_weighted) - background_fp_weighted``
* false negative: ``wilson_low(fn_weighted) - background_fn_weighted``

i.e. how far, even on a pessimistic reading, the node disagrees more than ordinary traffic. The
background is the median base cluster's rate (weighted by size), not the whole day's: on real
traffic the disagreements themselves are much of the day's rate (:func:`_background_rates`).

Only nodes with a score > 0 are listed, minus parents that repeat one child: >= 90% of their
conversations in one child, or >= 2/3 of their weighted disagreement in one child that is
suspicious itself and scores at least as high (a diluted copy of that child, which is listed in
their place). A parent whose disagreement is spread over several children stays, and so does one
that the other children make more suspicious than its main child: it is the node that holds a
group split over leaves (a harmful topic the classifier misses, spread by the clustering over
three harm leaves, is best described by their parent; scoring parents without their listed
children's conversations was tried and lost it).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import polars as pl

from clio_dagster.core.safety.concern_model import SCORE_CUTS

Z_95 = 1.959963984540054
REDUNDANT_PARENT_SHARE = 0.9
EXPLAINED_BY_CHILD = 2 / 3
CONCERNING_AT = 3  # the facet's 1–5 scale: 1–2 not concerning, 3–5 concerning to some degree


def _concern_strength() -> dict[int, float]:
    """Per level of the 1–5 scale, how sure it is of its side: |2p - 1|, where p is the middle of
    the level's band of harm probability (the scale's fixed meaning, ``SCORE_CUTS``). 1 → 0.9,
    2 → 0.4, 3 → 0.3, 4 → 0.75, 5 → 0.95."""
    bounds = (0.0, *SCORE_CUTS, 1.0)
    return {level: round(abs(bounds[level - 1] + bounds[level] - 1.0), 6) for level in range(1, len(bounds))}


CONCERN_STRENGTH = _concern_strength()

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
    0/1, whether the two sources disagree either way (null without both verdicts) and how strongly:
    the concern level's strength where they disagree, 0 where they agree."""
    flagged = pl.col("moderation_flagged")
    concerning = pl.col("concerning") >= CONCERNING_AT
    judged = flagged.is_not_null() & concerning.is_not_null()  # Kleene logic: null & False is False
    strength = (
        pl.col("concerning")
        .cast(pl.Int64)
        .replace_strict(list(CONCERN_STRENGTH), list(CONCERN_STRENGTH.values()), default=1.0)
    )
    return rows.with_columns(
        pl.coalesce(pl.col("moderation_score"), flagged.cast(pl.Float64)).alias("_signal"),
        flagged.cast(pl.Int64).alias("_flag"),
        pl.when(judged).then((flagged & ~concerning).cast(pl.Int64)).alias("_fp"),
        pl.when(judged).then((~flagged & concerning).cast(pl.Int64)).alias("_fn"),
    ).with_columns((pl.col(f"_{kind}") * strength).alias(f"_{kind}_weight") for kind in ("fp", "fn"))


def _aggregate(rows: pl.DataFrame, key: str) -> pl.DataFrame:
    return rows.group_by(key).agg(
        pl.len().alias("conversation_count"),
        pl.col("user_id").n_unique().alias("unique_users"),
        pl.col("_flag").count().alias("moderated_count"),
        pl.col("_flag").sum().alias("flagged_count"),
        pl.col("_flag").mean().alias("flag_rate"),
        pl.col("concerning").cast(pl.Float64).mean().alias("concerning_mean"),
        pl.col("_fp").count().alias("_judged_count"),
        pl.col("_fp_weight").sum().alias("_fp_weight"),
        pl.col("_fn_weight").sum().alias("_fn_weight"),
        pl.col("_fp").mean().alias("false_positive_rate"),
        pl.col("_fn").mean().alias("false_negative_rate"),
    )


def _weighted_median(rates: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(rates, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(rates[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _background_rates(rows: pl.DataFrame) -> tuple[float, float]:
    """The (strength-weighted) false-positive and false-negative rates of ordinary traffic: the
    median over base clusters, weighted by their judged conversations (0 without any).

    Not the whole day's rate: on real traffic the disagreements being looked for (a harmful topic
    the classifier misses, a benign topic it over-flags) are a large part of that rate, and a
    baseline inflated by them hides a group diluted in a cluster of ordinary requests (a tenth of
    a cluster, flagged at 60%, is 6% against a background near 1%).
    """
    clusters = _aggregate(_with_signal(rows), "cluster_id").filter(pl.col("_judged_count") > 0)
    if clusters.height == 0:
        return 0.0, 0.0
    judged = clusters["_judged_count"].to_numpy().astype(np.float64)
    return tuple(
        _weighted_median(clusters[f"_{kind}_weight"].to_numpy().astype(np.float64) / judged, judged)
        for kind in ("fp", "fn")
    )


def _suspicion(disagreeing: np.ndarray, judged: np.ndarray, background: float) -> np.ndarray:
    """``wilson_low(disagreeing / judged) - background``; NaN where nothing is judged."""
    low, _ = wilson_bounds(disagreeing, judged)
    return np.where(np.asarray(judged) > 0, low - background, np.nan)


def _with_scores(stats: pl.DataFrame, background: tuple[float, float]) -> pl.DataFrame:
    """Adds ``fp_score`` and ``fn_score`` (see the module docstring); null where nothing is judged."""
    judged = stats["_judged_count"].to_numpy()
    return stats.with_columns(
        pl.Series(
            f"{kind}_score", _suspicion(stats[f"_{kind}_weight"].fill_null(0).to_numpy(), judged, rate)
        ).fill_nan(None)
        for kind, rate in zip(("fp", "fn"), background, strict=True)
    )


def cluster_stats(rows: pl.DataFrame) -> pl.DataFrame:
    """Per base cluster: counts, unique users, flag rate, concerning mean and suspicion scores."""
    return _with_scores(_aggregate(_with_signal(rows), "cluster_id"), _background_rates(rows)).sort(
        "cluster_id"
    )


def node_stats(rows: pl.DataFrame) -> pl.DataFrame:
    """Per hierarchy node (every id on any ``node_path``), with its depth (0 = top) and parent."""
    paths = _with_signal(rows).filter(pl.col("node_path").is_not_null())
    exploded = paths.with_columns(
        pl.int_ranges(0, pl.col("node_path").list.len(), dtype=pl.Int32).alias("depth"),
        pl.concat_list(
            pl.lit(None, pl.Utf8), pl.col("node_path").list.head(pl.col("node_path").list.len() - 1)
        ).alias("parent_id"),
    ).explode(["node_path", "depth", "parent_id"])
    exploded = exploded.rename({"node_path": "node_id"}).filter(pl.col("node_id").is_not_null())
    tree = exploded.group_by("node_id").agg(pl.col("depth").min(), pl.col("parent_id").first())
    stats = _aggregate(exploded, "node_id").join(tree, on="node_id")
    return _with_scores(stats, _background_rates(rows)).sort("node_id")


def _ranked(stats: pl.DataFrame, kind: str, top: int) -> list[dict[str, Any]]:
    """The ``top`` most suspicious nodes (score > 0), minus parents that repeat one child: parents
    with >= 90% of their conversations in one child, or >= 2/3 of their (weighted) disagreement in
    one child that is suspicious itself and scores at least as high; that child is listed. Ties:
    more conversations first."""
    score, weight = f"{kind}_score", f"_{kind}_weight"
    suspicious = stats.filter(pl.col(score) > 0)
    # per parent: its largest child, and the suspicious child holding most of its disagreement
    suspicious_children = pl.col("node_id").is_in(suspicious["node_id"].implode())
    largest = (
        stats.filter(pl.col("parent_id").is_not_null())
        .sort(weight)
        .group_by("parent_id")
        .agg(
            pl.col("conversation_count").max().alias("largest_child_conversations"),
            pl.col(weight).filter(suspicious_children).last().alias("_child_weight"),
            pl.col(score).filter(suspicious_children).last().alias("_child_score"),
        )
    )
    ranked = (
        suspicious.join(largest, left_on="node_id", right_on="parent_id", how="left")
        .filter(
            (
                pl.col("largest_child_conversations").fill_null(0)
                < REDUNDANT_PARENT_SHARE * pl.col("conversation_count")
            )
            & (
                (pl.col("_child_weight").fill_null(0.0) < EXPLAINED_BY_CHILD * pl.col(weight))
                | (pl.col(score) > pl.col("_child_score"))
            )
        )
        .sort([score, "conversation_count", "node_id"], descending=[True, True, False])
    )
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
        "fn = wilson_low(share unflagged and concerning >= 3) - that share in the median cluster; each "
        "disagreement weighted by the concern level's strength "
        + json.dumps(CONCERN_STRENGTH)
        + "; parents that repeat one child are left out",
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
