"""Embeddings of the request facet (never of the raw text), rows aligned with ``facets``."""

import numpy as np
import polars as pl
from dagster import AssetExecutionContext, asset

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.resources.embedder import EmbedderResource
from clio_dagster.resources.settings import ClioSettings


@asset(partitions_def=DAILY, kinds={"numpy"}, group_name="analysis", backfill_policy=PER_DAY)
@observed
def embeddings(
    context: AssetExecutionContext, facets: pl.DataFrame, settings: ClioSettings, embedder: EmbedderResource
) -> np.ndarray:
    model = embedder.embedder(settings.get())
    vectors = model.embed(facets["request"].to_list())
    context.add_output_metadata({"model": model.name, "rows": vectors.shape[0], "dim": vectors.shape[1]})
    return vectors
