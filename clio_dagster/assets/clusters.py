"""Base clusters: spherical k-means (FAISS) over the request embeddings (DESIGN §1.3)."""

import numpy as np
import polars as pl
from dagster import AssetExecutionContext, asset

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.cluster import choose_k, spherical_kmeans
from clio_dagster.resources.settings import ClioSettings


@asset(partitions_def=DAILY, kinds={"faiss"}, group_name="analysis", backfill_policy=PER_DAY)
@observed
def base_clusters(
    context: AssetExecutionContext, facets: pl.DataFrame, embeddings: np.ndarray, settings: ClioSettings
) -> pl.DataFrame:
    """conversation_id, user_id and cluster_id of every conversation."""
    cfg = settings.get()
    k = choose_k(len(embeddings), target_size=cfg.cluster_size_target, max_k=cfg.max_base_clusters)
    result = spherical_kmeans(embeddings, k, seed=cfg.seed, threads=cfg.embed_threads)
    context.add_output_metadata({"k_requested": k, "clusters": int(result.centroids.shape[0])})
    return facets.select("conversation_id", "user_id").with_columns(
        pl.Series("cluster_id", result.labels, dtype=pl.Int32)
    )
