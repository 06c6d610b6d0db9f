"""Helpers for the ingest tests: record builders and writers (loaded by path, see load_support)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import polars as pl

from clio_dagster.ingest import IngestResult, discover_dates, ingest_partition


def canonical(conversation_id: str = "c1", **overrides: Any) -> dict[str, Any]:
    """A valid canonical record on 2024-05-01; keyword overrides replace fields (None removes one)."""
    record: dict[str, Any] = {
        "conversation_id": conversation_id,
        "user_id": "u1",
        "created_at": "2024-05-01T10:00:00+00:00",
        "messages": [{"role": "user", "content": "How do I sort a list?"}],
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not None}


def write_jsonl(path: Path, records: list[Any], *, compress: bool = False) -> Path:
    """Write records (dicts, or str lines written as they are) as JSONL, gzipped if asked."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    data = ("\n".join(lines) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def all_partitions(source: str) -> dict[str, IngestResult]:
    """ingest_partition for every discovered date."""
    return {date: ingest_partition(source, date) for date in discover_dates(source)}


def assert_nothing_lost(result: IngestResult) -> None:
    """The per-run identity: every record read is kept, quarantined, or belongs to another date."""
    c = result.counts
    assert c.read == c.kept + c.quarantined + c.other_dates
    assert c.kept == result.kept.height and c.quarantined == result.quarantined.height
    assert sum(c.by_reason.values()) == c.quarantined


def reasons(result: IngestResult) -> list[str]:
    return result.quarantined["reason"].to_list()


def ids(frame: pl.DataFrame) -> list[str]:
    return frame["conversation_id"].to_list()
