"""Privacy-preserving facets of every conversation (DESIGN §1.1)."""

import io

import polars as pl
from dagster import AssetCheckResult, AssetCheckSpec, AssetExecutionContext, Output, asset

from clio_dagster.assets.operations import LLM_POOL, PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.checks.privacy_results import check_result
from clio_dagster.core.facets import extract_facets
from clio_dagster.core.files import write_restricted_bytes
from clio_dagster.core.interfaces import FacetSpec
from clio_dagster.core.privacy.checks import check_facet_failure_rate
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings


def facet_failure_check(failed: int, total: int, bound: float) -> AssetCheckResult:
    """ERROR (blocking) above the configured failure-rate bound; WARN when any item failed below it."""
    over = check_facet_failure_rate(failed, total, max_rate=bound)
    if over or not failed:
        return check_result(over)
    return check_result(check_facet_failure_rate(failed, total, max_rate=0.0), warn=True)


@asset(
    partitions_def=DAILY,
    kinds={"polars"},
    group_name="analysis",
    pool=LLM_POOL,
    backfill_policy=PER_DAY,
    check_specs=[AssetCheckSpec("facet_failure_rate", asset="facets", blocking=True)],
)
@observed
def facets(
    context: AssetExecutionContext, conversations: pl.DataFrame, settings: ClioSettings, llm: LLMResource
):
    """One row per conversation; per-item LLM failures go to ``facet_failures.parquet``."""
    cfg = settings.get()
    spec = FacetSpec(custom=tuple(cfg.custom_facets), min_unique_users=cfg.min_unique_users)
    with llm.backends(cfg) as backends:
        result = extract_facets(conversations, extractor=backends.facets, spec=spec)
        accounting = backends.metadata()
    buffer = io.BytesIO()
    result.failures.write_parquet(buffer)
    write_restricted_bytes(
        cfg.restricted_partition(context.partition_key) / "facet_failures.parquet", buffer.getvalue()
    )
    yield facet_failure_check(result.failures.height, conversations.height, llm.failure_rate_bound())
    yield Output(
        result.facets,
        metadata={
            "conversations": result.facets.height,
            "failures": result.failures.height,
            "languages": result.facets["language"].n_unique(),
            **result.stats,
            **accounting,
        },
    )
