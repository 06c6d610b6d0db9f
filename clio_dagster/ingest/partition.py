"""One day of conversations from a source: the kept records, the quarantined ones, and the counts.

Every record of the source has exactly one outcome:
- kept on the UTC date of its ``created_at``;
- quarantined on that date (it has a usable time but something else is wrong, or it repeats a
  conversation_id already kept earlier in source order);
- quarantined with no date (invalid JSON, unknown shape, missing or bad time). Such records belong
  to no day, so *every* partition run reports them; ``append_quarantine`` keys rows by
  (source, line, reason), so they are stored once however many days run.

Hence, per run, ``read == kept + quarantined + other_dates``; and over all dates of
``discover_dates``, ``read == sum(kept) + distinct (source, line) in the quarantine table``.
Duplicates are decided over the whole source: the first *valid* record with a conversation_id
is kept (whatever its date); later ones are quarantined as ``duplicate_conversation_id``. So a
broken record followed by a corrected resend keeps the resend.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any

import polars as pl

from clio_dagster.ingest.adapters import Rejection
from clio_dagster.ingest.sources import IngestError, RawRecord, iter_records, resolve_files
from clio_dagster.ingest.validate import check_record, record_key
from clio_dagster.schema import CONVERSATIONS_SCHEMA, QUARANTINE_SCHEMA


@dataclass(frozen=True, slots=True)
class IngestCounts:
    """What one partition run saw; ``read == kept + quarantined + other_dates`` always holds."""

    read: int  # records in the whole source
    kept: int
    quarantined: int  # this date's rejections plus the undated ones
    undated: int  # of ``quarantined``: records with no usable date (reported by every run)
    other_dates: int  # records that belong to other dates (kept or quarantined there)
    files: int
    by_reason: dict[str, int] = field(default_factory=dict)
    by_format: dict[str, int] = field(default_factory=dict)  # kept records per input shape

    def as_metadata(self) -> dict[str, Any]:
        """Flat values for Dagster output metadata."""
        meta: dict[str, Any] = {
            "records_read": self.read,
            "records_kept": self.kept,
            "records_quarantined": self.quarantined,
            "records_undated": self.undated,
            "records_other_dates": self.other_dates,
            "input_files": self.files,
        }
        meta.update({f"quarantined_{reason}": n for reason, n in sorted(self.by_reason.items())})
        meta.update({f"kept_{fmt}": n for fmt, n in sorted(self.by_format.items())})
        return meta


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The conversations of one day (CONVERSATIONS_SCHEMA) and its quarantine rows (QUARANTINE_SCHEMA)."""

    kept: pl.DataFrame
    quarantined: pl.DataFrame
    counts: IngestCounts


def _check_date(date: str) -> str:
    try:
        return Date.fromisoformat(date).isoformat()
    except (TypeError, ValueError) as exc:
        raise IngestError(f"partition {date!r} is not a date: use YYYY-MM-DD (UTC)") from exc


def discover_dates(source: str) -> list[str]:
    """Sorted UTC dates ("YYYY-MM-DD") of the source's records that have a usable time."""
    dates: set[str] = set()
    for raw in iter_records(resolve_files(source)):
        created_at = record_key(raw).created_at
        if created_at is not None:
            dates.add(created_at.date().isoformat())
    return sorted(dates)


_FRAME_ROWS = 50_000


def ingest_partition(source: str, date: str) -> IngestResult:
    """Read the whole source and return the records of UTC ``date``, plus what was quarantined.

    Raises IngestError only for problems with the source itself (nothing matches, unreadable file).
    """
    date = _check_date(date)
    day = Date.fromisoformat(date)
    files = resolve_files(source)
    # Pass 1 (cheap): the ids written on this date's records. Only records carrying one of them can
    # decide a duplicate here, so pass 2 fully validates just those and this date's records.
    ids_today = set()
    for raw in iter_records(files):
        key = record_key(raw)
        if key.created_at is not None and key.created_at.date() == day:
            ids_today.add(key.conversation_id)

    claimed: set[str] = set()  # ids of valid records seen so far, any date
    # Kept rows become columnar every _FRAME_ROWS: a day as Python tuples would be several GB at 1M.
    kept_rows: list[tuple] = []
    kept_frames: list[pl.DataFrame] = []
    quarantine_rows: list[tuple] = []
    reasons: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    read = undated = other_dates = 0

    for raw in iter_records(files):
        read += 1
        key = record_key(raw)
        conversation_id = key.conversation_id
        other_day = key.created_at is not None and key.created_at.date() != day
        if other_day and conversation_id not in ids_today:
            other_dates += 1
            continue
        checked = check_record(raw, key)
        rejection = checked.rejection
        if rejection is None:
            if conversation_id in claimed:
                rejection = Rejection(
                    "duplicate_conversation_id", f"{conversation_id!s:.80} seen earlier in the source"
                )
            else:
                claimed.add(conversation_id)
        if other_day:
            other_dates += 1
            continue
        if rejection is None:
            kept_rows.append(checked.row())
            formats[checked.format] += 1
            if len(kept_rows) == _FRAME_ROWS:
                kept_frames.append(pl.DataFrame(kept_rows, schema=CONVERSATIONS_SCHEMA, orient="row"))
                kept_rows.clear()
            continue
        undated += key.created_at is None
        reasons[rejection.reason] += 1
        quarantine_rows.append(_quarantine_row(raw, rejection, date))

    kept_frames.append(pl.DataFrame(kept_rows, schema=CONVERSATIONS_SCHEMA, orient="row"))
    del kept_rows
    kept = pl.concat(kept_frames).sort(["created_at", "conversation_id"])
    del kept_frames
    quarantined = pl.DataFrame(quarantine_rows, schema=QUARANTINE_SCHEMA, orient="row")
    counts = IngestCounts(
        read=read,
        kept=kept.height,
        quarantined=quarantined.height,
        undated=undated,
        other_dates=other_dates,
        files=len(files),
        by_reason=dict(sorted(reasons.items())),
        by_format=dict(sorted(formats.items())),
    )
    return IngestResult(kept=kept, quarantined=quarantined, counts=counts)


def _quarantine_row(raw: RawRecord, rejection: Rejection, date: str) -> tuple:
    return (raw.source, raw.line, rejection.reason, rejection.detail, raw.raw(), date)
