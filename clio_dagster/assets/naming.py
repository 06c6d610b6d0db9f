"""Names for the base clusters that pass the privacy thresholds (DESIGN §1.4, §4.2)."""

import numpy as np
import polars as pl
from dagster import AssetExecutionContext, asset

from clio_dagster.assets.operations import LLM_POOL, LLM_RETRY, PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.interfaces import ClusterGroups
from clio_dagster.core.privacy.publish import Thresholds, cluster_sizes, surviving_clusters
from clio_dagster.core.taxonomy.hierarchy import cluster_centroids
from clio_dagster.core.taxonomy.reuse import load_taxonomy, read_plan, taxonomy_names
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings


def users_own_words(conversations: pl.DataFrame, facets: pl.DataFrame) -> pl.Series:
    """Each facet row's user messages joined by newlines (restricted), matched by conversation_id."""
    text = (
        pl.col("messages")
        .list.eval(pl.element().filter(pl.element().struct.field("role") == "user").struct.field("content"))
        .list.join("\n")
        .alias("user_text")
    )
    words = conversations.select("conversation_id", text)
    joined = facets.select("conversation_id").join(
        words, on="conversation_id", how="left", maintain_order="left"
    )
    return joined["user_text"].fill_null("")


def surviving_groups(
    facets: pl.DataFrame,
    embeddings: np.ndarray,
    base: pl.DataFrame,
    survivors: list[int],
    seed: int,
    conversations: pl.DataFrame | None = None,
) -> ClusterGroups:
    """Request texts of the surviving clusters' conversations, labelled by position in ``survivors``,
    with the users' own words and languages when ``conversations`` is given (the local namer's
    phrases come from them)."""
    labels = base["cluster_id"].to_numpy()
    keep = pl.Series(np.isin(labels, survivors))
    position = {c: i for i, c in enumerate(survivors)}
    own_words = (
        users_own_words(conversations, facets).filter(keep).to_list() if conversations is not None else ()
    )
    return ClusterGroups(
        texts=facets["request"].filter(keep).to_list(),
        labels=np.array([position[c] for c in labels[keep.to_numpy()]], dtype=np.int64),
        centroids=cluster_centroids(embeddings, labels, survivors),
        user_ids=facets["user_id"].filter(keep).to_list(),
        seed=seed,
        user_texts=own_words,
        languages=facets["language"].filter(keep).to_list() if conversations is not None else (),
    )


@asset(
    partitions_def=DAILY,
    kinds={"polars"},
    group_name="analysis",
    pool=LLM_POOL,
    retry_policy=LLM_RETRY,
    backfill_policy=PER_DAY,
)
@observed
def cluster_names(
    context: AssetExecutionContext,
    facets: pl.DataFrame,
    embeddings: np.ndarray,
    base_clusters: pl.DataFrame,
    conversations: pl.DataFrame,
    settings: ClioSettings,
    llm: LLMResource,
) -> pl.DataFrame:
    """One row per base cluster: sizes, whether it is suppressed, and (if not) its title and description.

    In assign mode the names are the stored taxonomy's (no naming call); a cluster that passes the
    thresholds today but had no public name in the taxonomy stays suppressed until the next rebuild.
    """
    cfg = settings.get()
    plan = read_plan(cfg.restricted_dir, context.partition_key)
    sizes = cluster_sizes(base_clusters)
    survivors = surviving_clusters(sizes, Thresholds(cfg.min_unique_users, cfg.min_conversations))
    names, accounting = [], {}
    if plan.mode == "assign":
        stored = taxonomy_names(load_taxonomy(cfg.restricted_dir, plan.taxonomy_date))
        unnamed = [c for c in survivors if c not in stored]
        survivors = [c for c in survivors if c in stored]
        names = [stored[c] for c in survivors]
        accounting = {"unnamed_passing_clusters": len(unnamed)}
    elif survivors:
        groups = surviving_groups(facets, embeddings, base_clusters, survivors, cfg.seed, conversations)
        with llm.backends(cfg) as backends:
            names = backends.namer.name_clusters(groups)
            accounting = backends.metadata()
    named = pl.DataFrame(
        {
            "cluster_id": survivors,
            "title": [n.title for n in names],
            "description": [n.description for n in names],
        },
        schema={"cluster_id": pl.Int32, "title": pl.Utf8, "description": pl.Utf8},
    )
    table = sizes.with_columns(pl.col("cluster_id").cast(pl.Int32)).join(
        named, on="cluster_id", how="left", maintain_order="left"
    )
    table = table.with_columns(pl.col("title").is_null().alias("suppressed"))
    suppressed = table.filter("suppressed")
    context.add_output_metadata(
        {
            "clusters": table.height,
            "named": len(survivors),
            "suppressed_clusters": suppressed.height,
            "suppressed_conversations": int(suppressed["conversation_count"].sum()),
            "taxonomy_mode": plan.mode,
            "taxonomy_date": plan.taxonomy_date,
            **accounting,
        }
    )
    return table
