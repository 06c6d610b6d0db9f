"""The multi-level hierarchy over named clusters, and each conversation's path in it (DESIGN §1.5)."""

import numpy as np
import polars as pl
from dagster import AssetExecutionContext, asset

from clio_dagster.assets.naming import surviving_groups
from clio_dagster.assets.operations import LLM_POOL, LLM_RETRY, PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.privacy.publish import node_paths
from clio_dagster.core.taxonomy.hierarchy import HierarchySpec, build_hierarchy
from clio_dagster.core.taxonomy.reuse import load_taxonomy, read_plan, reused_hierarchy
from clio_dagster.resources.embedder import EmbedderResource
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import ClusterName, HierarchyNode


@asset(
    partitions_def=DAILY,
    kinds={"faiss"},
    group_name="analysis",
    pool=LLM_POOL,
    retry_policy=LLM_RETRY,
    backfill_policy=PER_DAY,
)
@observed
def hierarchy(
    context: AssetExecutionContext,
    facets: pl.DataFrame,
    embeddings: np.ndarray,
    base_clusters: pl.DataFrame,
    cluster_names: pl.DataFrame,
    conversations: pl.DataFrame,
    settings: ClioSettings,
    llm: LLMResource,
    embedder: EmbedderResource,
) -> list[HierarchyNode]:
    """Built upward from the named clusters; in assign mode, the stored taxonomy's hierarchy cut
    down to the clusters named today (no LLM or embedder call)."""
    cfg = settings.get()
    plan = read_plan(cfg.restricted_dir, context.partition_key)
    taxonomy = {"taxonomy_mode": plan.mode, "taxonomy_date": plan.taxonomy_date}
    named = cluster_names.filter(~pl.col("suppressed"))
    if plan.mode == "assign":
        stored = load_taxonomy(cfg.restricted_dir, plan.taxonomy_date)
        nodes = reused_hierarchy(stored, set(named["cluster_id"].to_list()))
        levels = 1 + max((n.depth for n in nodes), default=-1)
        context.add_output_metadata({"nodes": len(nodes), "levels": levels, **taxonomy})
        return nodes
    if named.is_empty():
        context.add_output_metadata({"nodes": 0, "levels": 0, **taxonomy})
        return []
    survivors = named["cluster_id"].to_list()
    groups = surviving_groups(facets, embeddings, base_clusters, survivors, cfg.seed, conversations)
    with llm.backends(cfg) as backends:
        nodes = build_hierarchy(
            [
                ClusterName(title=t, description=d)
                for t, d in named.select("title", "description").iter_rows()
            ],
            groups.centroids,
            named["conversation_count"].to_list(),
            survivors,
            groups,
            namer=backends.namer,
            spec=HierarchySpec(top_nodes=cfg.top_nodes, levels=cfg.hierarchy_levels, seed=cfg.seed),
            llm=backends.hierarchy,
            embedder=embedder.embedder(cfg) if backends.hierarchy else None,
        )
        accounting = backends.metadata()
    context.add_output_metadata(
        {"nodes": len(nodes), "levels": 1 + max(n.depth for n in nodes), **taxonomy, **accounting}
    )
    return nodes


@asset(partitions_def=DAILY, kinds={"polars"}, group_name="publish", backfill_policy=PER_DAY)
@observed
def assignments(base_clusters: pl.DataFrame, tracked_hierarchy: list[HierarchyNode]) -> pl.DataFrame:
    """conversation_id, cluster_id and node_path (top→leaf; null where the cluster is not shown)."""
    return node_paths(base_clusters, tracked_hierarchy)
