"""Retention deletes exactly what is due; restricted files and directories are owner-only."""

from __future__ import annotations

import io
import os
import stat
from datetime import date
from pathlib import Path

import polars as pl
from dagster import build_schedule_context

from clio_dagster.core.files import restricted_dir, write_restricted_bytes, write_restricted_text
from clio_dagster.core.privacy.retention import apply_retention, due_partitions
from clio_dagster.schema import QUARANTINE_SCHEMA
from clio_dagster.sensors.retention import retention_job, retention_schedule

TODAY = date(2026, 11, 28)
DATES = ["2026-10-28", "2026-10-29", "2026-10-30", "2026-11-27", "2026-11-28"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _home(tmp_path: Path) -> Path:
    restricted = tmp_path / "restricted"
    for day in DATES:
        write_restricted_bytes(restricted / day / "facets.parquet", b"private")
    (restricted / "not-a-date").mkdir()
    (restricted / "2026-10-01.bak").mkdir()
    rows = [
        {"source": "in.jsonl", "line": i, "reason": "bad", "raw": "{}", "partition": day}
        for i, day in enumerate([*DATES, None])
    ]
    buffer = io.BytesIO()
    pl.DataFrame(rows, schema=QUARANTINE_SCHEMA).write_parquet(buffer)
    write_restricted_bytes(restricted / "quarantine.parquet", buffer.getvalue())
    public = tmp_path / "public" / "2026-10-28"
    public.mkdir(parents=True)
    (public / "hierarchy.json").write_text("{}")
    return tmp_path


def test_deletes_exactly_the_partitions_past_retention(tmp_path: Path) -> None:
    home = _home(tmp_path)
    # 30 days: the cutoff is 2026-10-29; 2026-10-28 is the only partition older than that
    result = apply_retention(
        home / "restricted",
        today=TODAY,
        retention_days=30,
        quarantine_path=home / "restricted" / "quarantine.parquet",
    )
    assert result.partitions == ["2026-10-28"]
    left = sorted(p.name for p in (home / "restricted").iterdir())
    assert left == [
        "2026-10-01.bak",
        "2026-10-29",
        "2026-10-30",
        "2026-11-27",
        "2026-11-28",
        "not-a-date",
        "quarantine.parquet",
    ]
    quarantine = pl.read_parquet(home / "restricted" / "quarantine.parquet")
    assert result.quarantine_rows == 1
    assert quarantine["partition"].to_list() == ["2026-10-29", "2026-10-30", "2026-11-27", "2026-11-28", None]
    assert _mode(home / "restricted" / "quarantine.parquet") == 0o600
    assert (home / "public" / "2026-10-28" / "hierarchy.json").exists()  # public aggregates stay


def test_dry_run_deletes_nothing(tmp_path: Path) -> None:
    home = _home(tmp_path)
    result = apply_retention(home / "restricted", today=TODAY, retention_days=1, dry_run=True)
    assert result.partitions == ["2026-10-28", "2026-10-29", "2026-10-30"]
    assert all((home / "restricted" / day).exists() for day in DATES)


def test_partition_date_not_mtime_decides(tmp_path: Path) -> None:
    home = _home(tmp_path)
    old = home / "restricted" / "2026-11-27" / "facets.parquet"
    os.utime(old, (0, 0))  # an ancient mtime on a recent partition changes nothing
    assert [p.name for p in due_partitions(home / "restricted", today=TODAY, retention_days=30)] == [
        "2026-10-28"
    ]


def test_symlinked_partition_is_unlinked_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    write_restricted_text(outside / "keep.txt", "not ours")
    restricted = restricted_dir(tmp_path / "restricted")
    (restricted / "2026-01-01").symlink_to(outside, target_is_directory=True)
    apply_retention(restricted, today=TODAY, retention_days=30)
    assert not (restricted / "2026-01-01").exists() and (outside / "keep.txt").exists()


def test_stale_cache_files_are_removed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    write_restricted_text(cache / "ab" / "old.json", "{}")
    write_restricted_text(cache / "cd" / "new.json", "{}")
    os.utime(cache / "ab" / "old.json", (0, 0))
    result = apply_retention(tmp_path / "restricted", today=TODAY, retention_days=30, cache_dir=cache)
    assert result.cache_files == 1
    assert not (cache / "ab" / "old.json").exists() and (cache / "cd" / "new.json").exists()


def test_retention_job_and_schedule(tmp_path: Path, monkeypatch) -> None:
    home = _home(tmp_path)
    monkeypatch.setenv("CLIO_HOME", str(home))
    monkeypatch.setenv("CLIO_RETENTION_DAYS", "30")
    request = retention_schedule(build_schedule_context(scheduled_execution_time=_at(TODAY)))
    result = retention_job.execute_in_process(run_config=request.run_config)
    assert result.success
    assert not (home / "restricted" / "2026-10-28").exists()
    assert (home / "restricted" / "2026-10-29").exists()
    assert pl.read_parquet(home / "restricted" / "quarantine.parquet").height == 5


def _at(day: date):
    from datetime import UTC, datetime

    return datetime(day.year, day.month, day.day, 3, 30, tzinfo=UTC)


def test_restricted_files_are_owner_only(tmp_path: Path) -> None:
    os.umask(0o022)
    path = write_restricted_bytes(tmp_path / "restricted" / "2026-11-28" / "facets.parquet", b"x")
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700 and _mode(path.parent.parent) == 0o700
    assert path.read_bytes() == b"x"
    write_restricted_bytes(path, b"y")  # overwrite keeps the mode, no temp file left behind
    assert _mode(path) == 0o600 and sorted(os.listdir(path.parent)) == ["facets.parquet"]
