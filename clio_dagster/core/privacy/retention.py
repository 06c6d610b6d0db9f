"""Retention: delete restricted data older than ``retention_days``, judged by partition date.

Due: every ``restricted/<YYYY-MM-DD>/`` directory whose date is more than ``retention_days``
days before ``today``, and the quarantine rows of those partitions (quarantined records are
raw input, as private as the rest). Public aggregates are kept. Cache entries are keyed by
content hash, not by partition, so they go by age: cache files not written for more than
``retention_days`` days are removed too.
"""

from __future__ import annotations

import io
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from clio_dagster.core.files import write_restricted_bytes


@dataclass(frozen=True)
class RetentionResult:
    """What was (or, on a dry run, would be) deleted."""

    cutoff: date  # partitions strictly before this date are due
    partitions: list[str] = field(default_factory=list)
    quarantine_rows: int = 0
    cache_files: int = 0
    dry_run: bool = False


def cutoff_date(today: date, retention_days: int) -> date:
    """The oldest partition date still kept."""
    return today - timedelta(days=retention_days)


def due_partitions(restricted_dir: Path, *, today: date, retention_days: int) -> list[Path]:
    """Partition directories under ``restricted_dir`` older than the cutoff, oldest first.

    Only names that parse as ISO dates count; anything else is left alone.
    """
    if not restricted_dir.is_dir():
        return []
    cutoff = cutoff_date(today, retention_days)
    due = []
    for entry in restricted_dir.iterdir():
        try:
            day = date.fromisoformat(entry.name)
        except ValueError:
            continue
        if len(entry.name) == 10 and day < cutoff and (entry.is_dir() or entry.is_symlink()):
            due.append(entry)
    return sorted(due, key=lambda p: p.name)


def apply_retention(
    restricted_dir: Path,
    *,
    today: date,
    retention_days: int,
    quarantine_path: Path | None = None,
    cache_dir: Path | None = None,
    dry_run: bool = False,
) -> RetentionResult:
    """Delete what is due (see module doc); with ``dry_run`` only report it."""
    cutoff = cutoff_date(today, retention_days)
    partitions = due_partitions(restricted_dir, today=today, retention_days=retention_days)
    if not dry_run:
        for path in partitions:
            if path.is_symlink():
                path.unlink()  # never follow a link out of the restricted zone
            else:
                shutil.rmtree(path)
    rows = _prune_quarantine(quarantine_path, cutoff, dry_run) if quarantine_path else 0
    cache = _prune_cache(cache_dir, retention_days, dry_run) if cache_dir else 0
    return RetentionResult(cutoff, [p.name for p in partitions], rows, cache, dry_run)


def _prune_quarantine(path: Path, cutoff: date, dry_run: bool) -> int:
    if not path.is_file():
        return 0
    table = pl.read_parquet(path)
    # partition is "YYYY-MM-DD"; string order is date order. Rows without one are kept.
    due = pl.col("partition").is_not_null() & (pl.col("partition") < cutoff.isoformat())
    n_due = table.filter(due).height
    if n_due and not dry_run:
        buffer = io.BytesIO()
        table.filter(~due).write_parquet(buffer)
        write_restricted_bytes(path, buffer.getvalue())
    return n_due


def _prune_cache(cache_dir: Path, retention_days: int, dry_run: bool) -> int:
    if not cache_dir.is_dir():
        return 0
    oldest = time.time() - retention_days * 86400
    stale = [p for p in cache_dir.rglob("*") if p.is_file() and p.stat().st_mtime < oldest]
    if not dry_run:
        for path in stale:
            path.unlink()
    return len(stale)
