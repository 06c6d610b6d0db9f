"""Embeddings of the request facet (never of the raw text), rows aligned with ``facets``."""

import polars as pl
from dagster import AssetExecutionContext, asset

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.clustering.embed import DistinctRows, embed_day
from clio_dagster.resources.embedder import EmbedderResource
from clio_dagster.resources.settings import ClioSettings


@asset(partitions_def=DAILY, kinds={"numpy"}, group_name="analysis", backfill_policy=PER_DAY)
@observed
def embeddings(
    context: AssetExecutionContext, facets: pl.LazyFrame, settings: ClioSettings, embedder: EmbedderResource
) -> DistinctRows:
    """Stored dense (one float32 row per conversation); held here once per distinct request."""
    model = embedder.embedder(settings.get())
    vectors = embed_day(model, facets.select("request").collect()["request"])
    context.add_output_metadata(
        {
            "model": model.name,
            "rows": vectors.shape[0],
            "dim": vectors.shape[1],
            "distinct_requests": len(vectors.vectors),
        }
    )
    return vectors
