"""The candidate public hierarchy (checked, restricted until it passes) and its publication."""

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.config import Settings
from clio_dagster.core.privacy.gate import Evidence, PublicationBlocked, PublicationRules, PublicWriter
from clio_dagster.core.privacy.public_files import public_day_files
from clio_dagster.core.privacy.publish import Thresholds, dp_config, node_statistics, release_with_dp
from clio_dagster.core.taxonomy.report import node_table
from clio_dagster.core.taxonomy.reuse import read_plan, report_paragraph
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import HierarchyNode, PrivacySummary, PublicHierarchy


@asset(partitions_def=DAILY, kinds={"privacy"}, group_name="publish", backfill_policy=PER_DAY)
@observed
def candidate_hierarchy(
    context: AssetExecutionContext,
    facets: pl.DataFrame,
    base_clusters: pl.DataFrame,
    cluster_names: pl.DataFrame,
    tracked_hierarchy: list[HierarchyNode],
    settings: ClioSettings,
    llm: LLMResource,
) -> PublicHierarchy:
    """The candidate public artefact: node statistics over the audited, tracked hierarchy, under the
    privacy thresholds (and differential privacy when configured). Restricted until it passes."""
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


def publication_rules(cfg: Settings) -> PublicationRules:
    return PublicationRules(min_unique_users=cfg.min_unique_users, min_conversations=cfg.min_conversations)


def public_writer(cfg: Settings) -> PublicWriter:
    """The gate every public file goes through (core/privacy/gate.py)."""
    from clio_dagster.core.privacy.pii import scan_texts

    return PublicWriter(cfg.public_dir, publication_rules(cfg), scan_texts)


def day_evidence(conversations: pl.DataFrame) -> Evidence:
    """The day's ids and raw text, against which public text is checked."""
    from clio_dagster.core.privacy.verbatim import conversation_texts

    ids = frozenset(conversations["conversation_id"].to_list()) | frozenset(
        conversations["user_id"].to_list()
    )
    # streamed in chunks: never the whole day as Python objects
    return Evidence(identifiers=ids, raw_texts=lambda: conversation_texts(conversations))


def candidate_files(
    cfg: Settings, candidate: PublicHierarchy, disagreement: dict, language_rates: pl.DataFrame
) -> dict[str, bytes]:
    """The exact bytes ``public_hierarchy`` would write for the candidate's day."""
    plan = read_plan(cfg.restricted_dir, candidate.date)
    return public_day_files(
        candidate,
        disagreement=disagreement,
        language_rates=language_rates,
        taxonomy_paragraph=report_paragraph(
            plan, candidate.total_conversations, exact_counts=cfg.dp_epsilon is None
        ),
        thresholds=Thresholds(cfg.min_unique_users, cfg.min_conversations),
        dp=cfg.dp_epsilon is not None,
    )


@asset(partitions_def=DAILY, kinds={"json", "markdown"}, group_name="publish", backfill_policy=PER_DAY)
@observed
def public_hierarchy(
    context: AssetExecutionContext,
    candidate_hierarchy: PublicHierarchy,
    disagreement: dict,
    language_rates: pl.DataFrame,
    conversations: pl.DataFrame,
    settings: ClioSettings,
) -> MaterializeResult:
    """Writes ``public/<date>/``: hierarchy.json, report.md, and the public views of the disagreement
    and language reports (public nodes only).

    Runs after the blocking privacy checks pass, and whatever run started it (a UI button, a CLI
    selection of this asset alone) the gate re-verifies every check on the exact bytes: on a
    violation nothing is written and the step fails, which fails the run and pages on-call.
    """
    cfg = settings.get()
    files = candidate_files(cfg, candidate_hierarchy, disagreement, language_rates)
    try:
        paths = public_writer(cfg).publish(files, day_evidence(conversations))
    except PublicationBlocked as blocked:
        context.log.error(str(blocked))  # node ids and kinds of problem only, never the text
        raise
    top = [n for n in candidate_hierarchy.nodes if n.parent_id is None]
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(paths[0])),
            "files": MetadataValue.json(sorted(files)),
            "nodes": len(candidate_hierarchy.nodes),
            "top_nodes": MetadataValue.md(node_table(top)),
            "suppressed_conversations": candidate_hierarchy.privacy.suppressed_conversations,
            "emerging": sum(bool(n.emerging) for n in candidate_hierarchy.nodes),
        }
    )
