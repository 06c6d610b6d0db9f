"""Stable taxonomy across days: node ids persist while a topic persists; new topics are flagged.

``taxonomy`` is an asset of its own: each day's tracked nodes with their centroids, shares and
concern. It depends on its own previous ``window_days`` partitions (a self-dependency through a time
window), so Dagster sees the cross-day lineage, and a backfill from the UI or the daemon, under any
run concurrency, tracks each day only after the days before it.
"""

import warnings

import numpy as np
import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetIn,
    AssetOut,
    Output,
    TimeWindowPartitionMapping,
    multi_asset,
)

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.taxonomy.hierarchy import cluster_centroids
from clio_dagster.core.taxonomy.reuse import read_plan, save_taxonomy
from clio_dagster.core.taxonomy.stable_ids import track_hierarchy
from clio_dagster.core.taxonomy.trends import SNAPSHOT_SCHEMA, TrendParams, trend_alerts
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import HierarchyNode

# the days before a partition that its tracking compares with (TrendParams.window_days)
TRAILING_DAYS = TrendParams().window_days
# Days before the partitions' start date simply do not exist; Dagster marks the parameter saying so beta.
warnings.filterwarnings("ignore", message="Parameter `allow_nonexistent_upstream_partitions`")
PREVIOUS_DAYS = TimeWindowPartitionMapping(
    start_offset=-TRAILING_DAYS, end_offset=-1, allow_nonexistent_upstream_partitions=True
)


@multi_asset(
    outs={
        "tracked_hierarchy": AssetOut(kinds={"faiss"}, group_name="publish"),
        "taxonomy": AssetOut(
            kinds={"polars"},
            group_name="publish",
            description="Each day's tracked nodes: stable id, depth, share, concern and centroid.",
        ),
    },
    # `window`: the store loads whichever of those days exist (none before the first run)
    ins={"history": AssetIn("taxonomy", partition_mapping=PREVIOUS_DAYS, metadata={"window": True})},
    partitions_def=DAILY,
    backfill_policy=PER_DAY,
    check_specs=[AssetCheckSpec("no_surging_topics", asset="tracked_hierarchy", partitions_def=DAILY)],
)
@observed
def tracked_hierarchy(
    context: AssetExecutionContext,
    audited_hierarchy: list[HierarchyNode],
    base_clusters: pl.DataFrame,
    embeddings: np.ndarray,
    facets: pl.DataFrame,
    history: pl.DataFrame,
    settings: ClioSettings,
):
    """The audited hierarchy with ids matched to the previous days', ``emerging`` and ``previous_share``;
    and the day's ``taxonomy`` rows, which the next days are matched against.

    Its WARN check fails (and alerts on-call) when an emerging topic passes 1% of the day or a
    concerning topic grows fast. In assign mode the nodes keep the taxonomy's ids; on a rebuild,
    the tracked nodes and every base cluster's centroid are stored as the taxonomy to assign to.
    """
    cfg = settings.get()
    date = context.partition_key
    plan = read_plan(cfg.restricted_dir, date)
    params = TrendParams(keep_ids=plan.mode == "assign")
    history = history if history.width else pl.DataFrame(schema=SNAPSHOT_SCHEMA)
    tracked = track_hierarchy(
        date,
        audited_hierarchy,
        base_clusters,
        embeddings,
        facets["concerning"],
        history,
        params,
    )
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
    yield Output(tracked.snapshot, output_name="taxonomy")
    yield Output(
        tracked.nodes,
        output_name="tracked_hierarchy",
        metadata={
            "history_days": history["date"].n_unique(),
            "matched": int(tracked.trends["matched_similarity"].is_not_null().sum()),
            "emerging": int(tracked.trends["emerging"].sum()),
            "taxonomy_mode": plan.mode,
            "taxonomy_date": plan.taxonomy_date,
        },
    )
