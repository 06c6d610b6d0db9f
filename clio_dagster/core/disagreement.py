"""Where the existing safety classifier and the concern facet disagree, per base cluster and node.

Input rows (one per conversation): ``conversation_id``, ``user_id``, ``moderation_flagged`` (bool,
null = no verdict), ``moderation_score`` (float in [0, 1], nullable), ``concerning`` (1–5),
``cluster_id`` (int) and ``node_path`` (hierarchy node ids top → leaf, null where suppressed).

Suspicion scores use Wilson bounds so that small clusters cannot lead a ranking on luck:

* false positive (often flagged, low concern):  ``wilson_low(flag_rate) - wilson_high(concern)``
* false negative (high concern, rarely flagged): ``wilson_low(concern) - wilson_high(flag_rate)``

where ``concern = (concerning_mean - 1) / 4`` in [0, 1]. A [0, 1]-valued mean has variance at most
``p (1 - p)``, so the Wilson interval of a proportion is a conservative interval for it too. A
score > 0 means even the pessimistic reading has the classifier far from the facet; only those
nodes are listed, minus parents with >= 90% of their conversations in one child (the child is listed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

Z_95 = 1.959963984540054
REDUNDANT_PARENT_SHARE = 0.9

_STAT_COLUMNS = [
    "conversation_count",
    "unique_users",
    "moderated_count",
    "flagged_count",
    "flag_rate",
    "concerning_mean",
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
    """Adds the classifier signal per conversation: its score, else its flag as 0/1."""
    return rows.with_columns(
        pl.coalesce(pl.col("moderation_score"), pl.col("moderation_flagged").cast(pl.Float64)).alias(
            "_signal"
        ),
        pl.col("moderation_flagged").cast(pl.Int64).alias("_flag"),
    )


def _aggregate(rows: pl.DataFrame, key: str) -> pl.DataFrame:
    return rows.group_by(key).agg(
        pl.len().alias("conversation_count"),
        pl.col("user_id").n_unique().alias("unique_users"),
        pl.col("_flag").count().alias("moderated_count"),
        pl.col("_flag").sum().alias("flagged_count"),
        pl.col("_flag").mean().alias("flag_rate"),
        pl.col("concerning").cast(pl.Float64).mean().alias("concerning_mean"),
        pl.col("concerning").count().alias("_concern_count"),
    )


def _with_scores(stats: pl.DataFrame) -> pl.DataFrame:
    """Adds ``fp_score`` and ``fn_score`` (see the module docstring)."""
    flag_low, flag_high = wilson_bounds(
        stats["flagged_count"].fill_null(0).to_numpy(), stats["moderated_count"].to_numpy()
    )
    concern = ((stats["concerning_mean"].fill_null(1.0).to_numpy() - 1.0) / 4.0).clip(0, 1)
    n = stats["_concern_count"].to_numpy().astype(np.float64)  # facet failures carry no concern
    concern_low, concern_high = wilson_bounds(concern * n, n)
    moderated = stats["moderated_count"].to_numpy() > 0
    return stats.with_columns(
        pl.Series("fp_score", np.where(moderated, flag_low - concern_high, np.nan)).fill_nan(None),
        pl.Series("fn_score", np.where(moderated, concern_low - flag_high, np.nan)).fill_nan(None),
    )


def cluster_stats(rows: pl.DataFrame) -> pl.DataFrame:
    """Per base cluster: counts, unique users, flag rate, concerning mean and suspicion scores."""
    return _with_scores(_aggregate(_with_signal(rows), "cluster_id")).sort("cluster_id")


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
    return _with_scores(stats.with_columns(pl.col("largest_child_share").fill_null(0.0))).sort("node_id")


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


def _ranked(stats: pl.DataFrame, score: str, top: int) -> list[dict[str, Any]]:
    # a parent that is (almost) one child repeats that child's evidence, so only the child is listed
    ranked = stats.filter((pl.col(score) > 0) & (pl.col("largest_child_share") < REDUNDANT_PARENT_SHARE))
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
        "scoring": "fp = wilson_low(flag_rate) - wilson_high(concern); "
        "fn = wilson_low(concern) - wilson_high(flag_rate); concern = (concerning_mean - 1) / 4",
        "false_positive_nodes": _ranked(nodes, "fp_score", top),
        "false_negative_nodes": _ranked(nodes, "fn_score", top),
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
