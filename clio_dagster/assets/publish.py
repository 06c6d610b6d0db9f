"""The audited public hierarchy (checked, restricted until it passes) and its publication."""

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.publish import Thresholds, node_statistics
from clio_dagster.core.report import node_table, render_report
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import HierarchyNode, PrivacySummary, PublicHierarchy


@asset(partitions_def=DAILY, kinds={"privacy"}, group_name="publish", backfill_policy=PER_DAY)
@observed
def audited_hierarchy(
    context: AssetExecutionContext,
    facets: pl.DataFrame,
    base_clusters: pl.DataFrame,
    cluster_names: pl.DataFrame,
    screened_hierarchy: list[HierarchyNode],
    settings: ClioSettings,
    llm: LLMResource,
) -> PublicHierarchy:
    """The candidate public artefact: aggregates only, every text scanned and audited."""
    cfg = settings.get()
    thresholds = Thresholds(cfg.min_unique_users, cfg.min_conversations)
    nodes = node_statistics(
        screened_hierarchy, facets, base_clusters, thresholds=thresholds, custom=cfg.custom_facets
    )
    shown = {c for n in screened_hierarchy if n.is_leaf for c in n.cluster_ids}
    suppressed = cluster_names.filter(~pl.col("cluster_id").is_in(list(shown)))
    backends = llm.backends(cfg)
    public = PublicHierarchy(
        date=context.partition_key,
        backend=backends.kind,
        model=backends.model,
        privacy=PrivacySummary(
            min_unique_users=cfg.min_unique_users,
            min_conversations=cfg.min_conversations,
            dp_epsilon=cfg.dp_epsilon,
            suppressed_clusters=suppressed.height,
            suppressed_conversations=int(suppressed["conversation_count"].sum()),
        ),
        total_conversations=facets.height,
        nodes=nodes,
    )
    context.add_output_metadata({"nodes": len(public.nodes)})
    return public


@asset(partitions_def=DAILY, kinds={"json", "markdown"}, group_name="publish", backfill_policy=PER_DAY)
@observed
def public_hierarchy(
    context: AssetExecutionContext, audited_hierarchy: PublicHierarchy, settings: ClioSettings
) -> MaterializeResult:
    """Writes ``public/<date>/hierarchy.json`` and ``report.md``; runs only after the blocking checks pass."""
    out = settings.get().public_partition(context.partition_key)
    out.mkdir(parents=True, exist_ok=True)
    (out / "hierarchy.json").write_text(audited_hierarchy.model_dump_json(indent=1) + "\n")
    (out / "report.md").write_text(render_report(audited_hierarchy))
    top = [n for n in audited_hierarchy.nodes if n.parent_id is None]
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(out / "hierarchy.json")),
            "nodes": len(audited_hierarchy.nodes),
            "top_nodes": MetadataValue.md(node_table(top)),
            "suppressed_conversations": audited_hierarchy.privacy.suppressed_conversations,
        }
    )
