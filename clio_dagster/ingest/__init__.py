"""Ingestion: read conversations (canonical, ShareGPT, WildChat, LMSYS-Chat), validate, quarantine.

Pure Python + polars, no Dagster import. See ``partition`` for how records are counted per day.
"""

from clio_dagster.ingest.adapters import Rejection, merge_openai_moderation
from clio_dagster.ingest.partition import IngestCounts, IngestResult, discover_dates, ingest_partition
from clio_dagster.ingest.quarantine import append_quarantine, read_quarantine
from clio_dagster.ingest.sources import IngestError, resolve_files

__all__ = [
    "IngestCounts",
    "IngestError",
    "IngestResult",
    "Rejection",
    "append_quarantine",
    "discover_dates",
    "ingest_partition",
    "merge_openai_moderation",
    "read_quarantine",
    "resolve_files",
]
