"""Stable taxonomy across days: node ids persist while a topic persists; new topics are flagged."""

import datetime as dt
import io

import numpy as np
import polars as pl
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext, Output, asset

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.config import Settings
from clio_dagster.core.files import write_restricted_bytes
from clio_dagster.core.taxonomy.hierarchy import cluster_centroids
from clio_dagster.core.taxonomy.reuse import read_plan, save_taxonomy
from clio_dagster.core.taxonomy.stable_ids import track_hierarchy
from clio_dagster.core.taxonomy.trends import SNAPSHOT_SCHEMA, TrendParams, trend_alerts
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import HierarchyNode

SNAPSHOT = "taxonomy.parquet"


def trailing_history(
    cfg: Settings, date: str, window_days: int, name: str = SNAPSHOT, schema: pl.Schema = SNAPSHOT_SCHEMA
) -> pl.DataFrame:
    """The restricted files ``name`` (snapshots by default) of the ``window_days`` days before
    ``date`` that exist, concatenated; an empty ``schema`` frame without any."""
    day = dt.date.fromisoformat(date)
    paths = [
        cfg.restricted_partition((day - dt.timedelta(days=back)).isoformat()) / name
        for back in range(1, window_days + 1)
    ]
    frames = [pl.read_parquet(p) for p in paths if p.exists()]
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


@asset(
    partitions_def=DAILY,
    kinds={"faiss"},
    group_name="publish",
    backfill_policy=PER_DAY,
    check_specs=[AssetCheckSpec("no_surging_topics", asset="tracked_hierarchy")],
)
@observed
def tracked_hierarchy(
    context: AssetExecutionContext,
    screened_hierarchy: list[HierarchyNode],
    base_clusters: pl.DataFrame,
    embeddings: np.ndarray,
    facets: pl.DataFrame,
    settings: ClioSettings,
):
    """The screened hierarchy with ids matched to the previous days', ``emerging`` and ``previous_share``.

    Its WARN check fails (and alerts on-call) when an emerging topic passes 1% of the day or a
    concerning topic grows fast. In assign mode the nodes keep the taxonomy's ids; on a rebuild,
    the tracked nodes and every base cluster's centroid are stored as the taxonomy to assign to.
    """
    cfg = settings.get()
    date = context.partition_key
    plan = read_plan(cfg.restricted_dir, date)
    params = TrendParams(keep_ids=plan.mode == "assign")
    history = trailing_history(cfg, date, params.window_days)
    tracked = track_hierarchy(
        date,
        screened_hierarchy,
        base_clusters,
        embeddings,
        facets["concerning"],
        history,
        params,
    )
    buffer = io.BytesIO()
    tracked.snapshot.write_parquet(buffer)
    write_restricted_bytes(cfg.restricted_partition(date) / SNAPSHOT, buffer.getvalue())
    if plan.mode == "rebuild":
        labels = base_clusters["cluster_id"].to_numpy()
        clusters = list(range(int(labels.max(initial=-1)) + 1))
        save_taxonomy(
            cfg.restricted_dir, date, cluster_centroids(embeddings, labels, clusters), tracked.nodes
        )
    alerts = trend_alerts(tracked.trends)
    summary = "; ".join(
        f"{a['kind']} topic {a['node_id']} at {a['share']:.1%} of the day" for a in alerts[:5]
    )
    yield AssetCheckResult(
        check_name="no_surging_topics",
        passed=not alerts,
        severity=AssetCheckSeverity.WARN,
        description=summary or "no emerging or fast-growing concerning topic",
        metadata={"alerts": len(alerts)},
    )
    yield Output(
        tracked.nodes,
        metadata={
            "history_days": history["date"].n_unique(),
            "matched": int(tracked.trends["matched_similarity"].is_not_null().sum()),
            "emerging": int(tracked.trends["emerging"].sum()),
            "taxonomy_mode": plan.mode,
            "taxonomy_date": plan.taxonomy_date,
        },
    )
