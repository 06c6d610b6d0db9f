"""Base clusters: spherical k-means (FAISS) over the day's embeddings (DESIGN §1.3), or, in assign
mode, each conversation's nearest base cluster of the latest rebuilt taxonomy."""

import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
from dagster import AssetExecutionContext, asset

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.clustering.cluster import choose_k, cluster_embeddings
from clio_dagster.core.taxonomy.reuse import (
    TAXONOMY_TAG,
    assign_clusters,
    load_taxonomy,
    plan_taxonomy,
    write_plan,
)
from clio_dagster.resources.settings import ClioSettings


@asset(partitions_def=DAILY, kinds={"faiss"}, group_name="analysis", backfill_policy=PER_DAY)
@observed
def base_clusters(
    context: AssetExecutionContext, facets: pl.DataFrame, embeddings: np.ndarray, settings: ClioSettings
) -> pl.DataFrame:
    """conversation_id, user_id and cluster_id of every conversation.

    Decides the partition's taxonomy plan (rebuild or assign) and records it for the later steps.
    """
    cfg = settings.get()
    date = context.partition_key
    mode = context.run.tags.get(TAXONOMY_TAG, cfg.taxonomy_mode)
    if mode not in ("rebuild", "assign", "auto"):
        raise ValueError(f"run tag {TAXONOMY_TAG}={mode!r}: use rebuild, assign or auto")
    plan = plan_taxonomy(mode, cfg.restricted_dir, date, max_age_days=cfg.taxonomy_max_age_days)
    metadata: dict[str, object] = {
        "taxonomy_mode": plan.mode,
        "taxonomy_date": plan.taxonomy_date,
        "taxonomy_reason": plan.reason,
    }
    if plan.mode == "assign":
        taxonomy = load_taxonomy(cfg.restricted_dir, plan.taxonomy_date)
        labels = assign_clusters(embeddings, taxonomy, cfg.taxonomy_min_similarity)
        unassigned = int((labels == taxonomy.unassigned_cluster_id).sum())
        plan = replace(plan, unassigned_conversations=unassigned)
        metadata |= {
            "clusters": int(np.unique(labels).size),
            "unassigned_conversations": unassigned,
            "unassigned_share": round(unassigned / max(len(labels), 1), 4),
            "unassigned_cluster_id": taxonomy.unassigned_cluster_id,
        }
    else:
        k = choose_k(len(embeddings), target_size=cfg.cluster_size_target, max_k=cfg.max_base_clusters)
        # the smoothed copy of the day's embeddings is restricted data: it stays in the restricted zone
        cfg.restricted_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cfg.restricted_dir, prefix=".smoothing-") as scratch:
            result = cluster_embeddings(
                embeddings,
                k,
                seed=cfg.seed,
                threads=cfg.embed_threads,
                scratch=Path(scratch),
                **cfg.clustering_options(),
            )
        labels = result.labels
        metadata |= {
            "k_requested": k,
            "clusters": int(result.centroids.shape[0]),
            **cfg.clustering_options(),
        }
    write_plan(cfg.restricted_dir, date, plan)
    context.add_output_metadata(metadata)
    return facets.select("conversation_id", "user_id").with_columns(
        pl.Series("cluster_id", labels, dtype=pl.Int32)
    )
