"""Raw conversations of one day, validated; rejected records go to the quarantine table."""

import polars as pl
from dagster import AssetExecutionContext, Failure, asset

from clio_dagster.assets.partitions import DAILY
from clio_dagster.ingest import append_quarantine, ingest_partition
from clio_dagster.resources.settings import ClioSettings


@asset(partitions_def=DAILY, kinds={"polars"}, group_name="ingest")
def conversations(context: AssetExecutionContext, settings: ClioSettings) -> pl.DataFrame:
    """Conversations whose created_at falls on the partition's UTC date, from ``CLIO_INPUT``."""
    cfg = settings.get()
    if not cfg.input:
        raise Failure("CLIO_INPUT is not set: point it (or `clio run --input`) at a JSONL/Parquet source")
    result = ingest_partition(cfg.input, context.partition_key)
    added = append_quarantine(cfg.quarantine_path, result.quarantined)
    context.add_output_metadata({**result.counts.as_metadata(), "quarantine_added": added})
    if result.kept.is_empty():
        raise Failure(
            f"no valid conversations for {context.partition_key} in {cfg.input} "
            f"({result.quarantined.height} records quarantined)"
        )
    return result.kept
