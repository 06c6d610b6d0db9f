"""Privacy-preserving facets of every conversation (DESIGN §1.1)."""

import polars as pl
from dagster import AssetExecutionContext, asset

from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.facets import extract_facets
from clio_dagster.core.interfaces import FacetSpec
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings


@asset(partitions_def=DAILY, kinds={"polars"}, group_name="analysis")
def facets(
    context: AssetExecutionContext, conversations: pl.DataFrame, settings: ClioSettings, llm: LLMResource
) -> pl.DataFrame:
    cfg = settings.get()
    spec = FacetSpec(custom=tuple(cfg.custom_facets), min_unique_users=cfg.min_unique_users)
    result = extract_facets(conversations, extractor=llm.backends(cfg).facets, spec=spec)
    context.add_output_metadata(
        {
            "conversations": result.facets.height,
            "failures": result.failures.height,
            "languages": result.facets["language"].n_unique(),
            **result.stats,
        }
    )
    return result.facets
