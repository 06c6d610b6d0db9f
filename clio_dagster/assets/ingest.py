"""Raw conversations of one day, validated; rejected records go to the quarantine table."""

from dagster import AssetCheckSpec, AssetExecutionContext, Failure, Output, asset

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.checks.privacy_results import check_result
from clio_dagster.core.privacy.checks import check_quarantine_rate
from clio_dagster.ingest import append_quarantine, ingest_partition
from clio_dagster.resources.settings import ClioSettings


@asset(
    partitions_def=DAILY,
    kinds={"polars"},
    group_name="ingest",
    backfill_policy=PER_DAY,
    check_specs=[AssetCheckSpec("quarantine_rate", asset="conversations", partitions_def=DAILY)],
)
@observed
def conversations(context: AssetExecutionContext, settings: ClioSettings):
    """Conversations whose created_at falls on the partition's UTC date, from ``CLIO_INPUT``."""
    cfg = settings.get()
    if not cfg.input:
        raise Failure("CLIO_INPUT is not set: point it (or `clio run --input`) at a JSONL/Parquet source")
    result = ingest_partition(cfg.input, context.partition_key)
    added = append_quarantine(cfg.quarantine_path, result.quarantined)
    counts = result.counts
    rate = check_quarantine_rate(counts.quarantined, counts.kept + counts.quarantined)
    yield check_result(rate, warn=True)
    if result.kept.is_empty():
        raise Failure(
            f"no valid conversations for {context.partition_key} in {cfg.input} "
            f"({result.quarantined.height} records quarantined)"
        )
    # the settings this run resolved from its environment, so the UI shows what the day ran with
    metadata = {**counts.as_metadata(), "quarantine_added": added, "settings": cfg.effective()}
    yield Output(result.kept, metadata=metadata)
