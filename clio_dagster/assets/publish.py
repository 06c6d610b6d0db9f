"""The audited public hierarchy (checked, restricted until it passes) and its publication."""

import json
from pathlib import Path

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.privacy.publish import Thresholds, dp_config, node_statistics, release_with_dp
from clio_dagster.core.taxonomy.report import node_table, render_report
from clio_dagster.core.taxonomy.reuse import read_plan, report_paragraph
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
    tracked_hierarchy: list[HierarchyNode],
    settings: ClioSettings,
    llm: LLMResource,
) -> PublicHierarchy:
    """The candidate public artefact: aggregates only, every text scanned and audited."""
    cfg = settings.get()
    thresholds = Thresholds(cfg.min_unique_users, cfg.min_conversations)
    nodes = node_statistics(
        tracked_hierarchy, facets, base_clusters, thresholds=thresholds, custom=cfg.custom_facets
    )
    shown = {c for n in tracked_hierarchy if n.is_leaf for c in n.cluster_ids}
    suppressed = cluster_names.filter(~pl.col("cluster_id").is_in(list(shown)))
    total, suppressed_conversations = facets.height, int(suppressed["conversation_count"].sum())
    metadata: dict[str, object] = {}
    if cfg.dp_epsilon is not None:
        release = release_with_dp(
            nodes,
            tracked_hierarchy,
            facets,
            base_clusters,
            config=dp_config(cfg),
            thresholds=thresholds,
            levels=cfg.hierarchy_levels,
            partition=context.partition_key,
        )
        nodes, total, suppressed_conversations = (
            release.nodes,
            release.total_conversations,
            release.suppressed_conversations,
        )
        metadata = release.metadata()
    with llm.backends(cfg) as backends:
        backend, model = backends.backend, backends.model
    public = PublicHierarchy(
        date=context.partition_key,
        backend=backend,
        model=model,
        privacy=PrivacySummary(
            min_unique_users=cfg.min_unique_users,
            min_conversations=cfg.min_conversations,
            dp_epsilon=cfg.dp_epsilon,
            suppressed_clusters=suppressed.height,
            suppressed_conversations=suppressed_conversations,
        ),
        total_conversations=total,
        nodes=nodes,
    )
    context.add_output_metadata({"nodes": len(public.nodes), **metadata})
    return public


def public_language_rates(rates: pl.DataFrame, node_ids: set[str], thresholds: Thresholds) -> dict:
    """Node × language over-representation, only for cells that pass both privacy thresholds."""
    from clio_dagster.core.safety.language_rates import most_language_specific

    cells = rates.filter(
        pl.col("node_id").is_in(list(node_ids))
        & (pl.col("unique_users") >= thresholds.min_unique_users)
        & (pl.col("conversation_count") >= thresholds.min_conversations)
    ).drop("unique_users")
    columns = ["node_id", "language", "ratio", "ci_low", "ci_high", "share_in_language", "share_overall"]
    return {
        "nodes": cells.select(columns).sort("node_id", "language").to_dicts(),
        "most_specific": most_language_specific(cells).select(columns).to_dicts(),
    }


EXACT_COUNTS = ("conversation_count", "moderated_count", "flagged_count", "unique_users")


def without_exact_counts(view: dict) -> dict:
    """Under differential privacy the noisy counts of hierarchy.json are the only counts published:
    exact ones beside them would let anyone subtract the noise."""
    lists = ("false_positive_nodes", "false_negative_nodes", "nodes")
    return {
        key: [{k: v for k, v in item.items() if k not in EXACT_COUNTS} for item in value]
        if key in lists
        else value
        for key, value in view.items()
    }


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=1, sort_keys=True, allow_nan=False) + "\n")


@asset(partitions_def=DAILY, kinds={"json", "markdown"}, group_name="publish", backfill_policy=PER_DAY)
@observed
def public_hierarchy(
    context: AssetExecutionContext,
    audited_hierarchy: PublicHierarchy,
    disagreement: dict,
    language_rates: pl.DataFrame,
    settings: ClioSettings,
) -> MaterializeResult:
    """Writes ``public/<date>/``: hierarchy.json, report.md, and the public views of the disagreement
    and language reports (public nodes only); runs only after the blocking privacy checks pass."""
    from clio_dagster.core.safety.disagreement import public_view

    cfg = settings.get()
    out = cfg.public_partition(context.partition_key)
    out.mkdir(parents=True, exist_ok=True)
    (out / "hierarchy.json").write_text(audited_hierarchy.model_dump_json(indent=1) + "\n")
    plan = read_plan(cfg.restricted_dir, context.partition_key)
    taxonomy = report_paragraph(
        plan, audited_hierarchy.total_conversations, exact_counts=cfg.dp_epsilon is None
    )
    (out / "report.md").write_text(render_report(audited_hierarchy) + f"\n{taxonomy}\n")
    public_ids = {n.id for n in audited_hierarchy.nodes}
    view = public_view(disagreement, public_ids)
    if cfg.dp_epsilon is not None:
        view = without_exact_counts(view)
    _write_json(out / "disagreement.json", view)
    thresholds = Thresholds(cfg.min_unique_users, cfg.min_conversations)
    _write_json(out / "languages.json", public_language_rates(language_rates, public_ids, thresholds))
    top = [n for n in audited_hierarchy.nodes if n.parent_id is None]
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(out / "hierarchy.json")),
            "nodes": len(audited_hierarchy.nodes),
            "top_nodes": MetadataValue.md(node_table(top)),
            "suppressed_conversations": audited_hierarchy.privacy.suppressed_conversations,
            "emerging": sum(bool(n.emerging) for n in audited_hierarchy.nodes),
        }
    )
