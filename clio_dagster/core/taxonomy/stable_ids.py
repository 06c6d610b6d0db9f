"""Stable node ids across days: today's hierarchy matched to the trailing days' taxonomy snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from clio_dagster.core.privacy.publish import node_paths
from clio_dagster.core.taxonomy.trends import (
    CLUSTER_DEPTH,
    TrendParams,
    member_floors,
    node_centroids,
    novel_rows,
    novelty_sample,
    settle_parents,
    snapshot,
    track_nodes,
    trailing_window,
)
from clio_dagster.schema import HierarchyNode


@dataclass
class TrackedHierarchy:
    nodes: list[HierarchyNode]  # ids replaced by stable ids; emerging and previous_share filled
    trends: pl.DataFrame  # TRENDS_SCHEMA
    snapshot: pl.DataFrame  # SNAPSHOT_SCHEMA, today's, for tomorrow's history


def track_hierarchy(
    date: str,
    nodes: Sequence[HierarchyNode],
    base: pl.DataFrame,
    embeddings: np.ndarray,
    concerning: pl.Series,
    history: pl.DataFrame,
    params: TrendParams | None = None,
) -> TrackedHierarchy:
    """Match today's nodes to the history by centroid; rename them so a persisting topic keeps its id;
    flag the nodes whose conversations are mostly unlike every base cluster of the trailing days.

    ``base`` (conversation_id, cluster_id), ``embeddings`` and ``concerning`` are aligned rows.
    """
    params = params or TrendParams()
    paths = node_paths(base, nodes)["node_path"].to_list()
    ids, centroids = node_centroids(embeddings, paths)
    sampled, weights = novelty_sample(base["cluster_id"].to_numpy(), params.novelty_sample)
    novel = np.full(base.height, np.nan)
    novel[sampled] = novel_rows(embeddings, sampled, trailing_window(history, date, params.window_days))
    weight = np.zeros(base.height)
    weight[sampled] = weights
    members = (
        pl.DataFrame(
            {
                "node_path": paths,
                "concerning": concerning.cast(pl.Float64),
                "novel": novel,
                "weight": weight,
            },
            schema_overrides={"node_path": pl.List(pl.Utf8)},  # a day with every node suppressed is all null
        )
        .explode("node_path")
        .drop_nulls("node_path")
        .group_by("node_path")
        .agg(
            pl.len().alias("n"),
            pl.col("concerning").mean().alias("concerning_mean"),
            ((pl.col("novel").fill_nan(0.0) * pl.col("weight")).sum() / pl.col("weight").sum()).alias(
                "novel_share"
            ),
            pl.col("novel").is_not_nan().sum().cast(pl.Int64).alias("novel_sampled"),
        )
    )
    depth = {n.id: n.depth for n in nodes}
    frame = (
        pl.DataFrame({"node_id": ids}, schema={"node_id": pl.Utf8})
        .join(members.rename({"node_path": "node_id"}), on="node_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("node_id").replace_strict(depth, return_dtype=pl.Int32).alias("depth"),
            (pl.col("n") / max(base.height, 1)).alias("share"),
        )
        .select("node_id", "depth", "share", "concerning_mean", "novel_share", "novel_sampled")
    )
    trends = settle_parents(
        track_nodes(date, frame, centroids, history, params), {n.id: n.parent_id for n in nodes}
    )
    by_id = {row["node_id"]: row for row in trends.iter_rows(named=True)}
    stable = {node_id: row["stable_id"] for node_id, row in by_id.items()}
    renamed = [
        n.model_copy(
            update={
                "id": stable.get(n.id, n.id),
                "parent_id": stable.get(n.parent_id, n.parent_id) if n.parent_id else None,
                "emerging": by_id[n.id]["emerging"] if n.id in by_id else None,
                "previous_share": by_id[n.id]["previous_share"] if n.id in by_id else None,
            }
        )
        for n in nodes
    ]
    today = snapshot(
        date,
        trends["stable_id"].to_list(),
        trends["depth"].to_list(),
        trends["share"].to_list(),
        trends["concerning_mean"].to_list(),
        centroids,
    )
    clusters = _cluster_snapshot(date, base, embeddings, concerning, params.floor_quantile)
    return TrackedHierarchy(renamed, trends, pl.concat([today, clusters]))


def _cluster_snapshot(
    date: str, base: pl.DataFrame, embeddings: np.ndarray, concerning: pl.Series, floor_quantile: float
) -> pl.DataFrame:
    """Every base cluster's centroid and member floor, suppressed ones included, at depth -1
    (``CLUSTER_DEPTH``).

    Never matched for ids (no node has that depth) but the history that decides whether a
    conversation is novel: a topic too small to publish yesterday is not new today.
    """
    clusters = base["cluster_id"].cast(pl.Int64).to_list()
    ids, centroids = node_centroids(embeddings, [[f"cluster-{c}@{date}"] for c in clusters])
    row_of = {node: i for i, node in enumerate(ids)}
    rows = np.array([row_of[f"cluster-{c}@{date}"] for c in clusters], dtype=np.int64)
    floors = member_floors(embeddings, rows, centroids, floor_quantile)
    stats = (
        pl.DataFrame({"node_id": [f"cluster-{c}@{date}" for c in clusters], "c": concerning.cast(pl.Float64)})
        .group_by("node_id")
        .agg((pl.len() / max(base.height, 1)).alias("share"), pl.col("c").mean())
    )
    ordered = pl.DataFrame({"node_id": ids}).join(stats, on="node_id", how="left", maintain_order="left")
    return snapshot(
        date,
        ids,
        [CLUSTER_DEPTH] * len(ids),
        ordered["share"].to_list(),
        ordered["c"].to_list(),
        centroids,
        floors,
    )
