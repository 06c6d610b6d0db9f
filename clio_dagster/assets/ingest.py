"""Raw conversations of one day, validated; rejected records go to the quarantine table."""

from __future__ import annotations

import polars as pl
from dagster import AssetExecutionContext, Failure, MetadataValue, asset

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
    context.add_output_metadata(
        {
            **{f"records_{k}": v for k, v in result.counts.items() if isinstance(v, int)},
            "quarantine_added": added,
            "quarantine_reasons": MetadataValue.json(result.counts.get("by_reason", {})),
        }
    )
    if result.kept.is_empty():
        raise Failure(
            f"no valid conversations for {context.partition_key} in {cfg.input} "
            f"({result.quarantined.height} records quarantined)"
        )
    return result.kept
