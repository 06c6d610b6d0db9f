"""The quarantine table: idempotent appends keyed by (source, line, reason), owner-only files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import polars as pl
import pytest

from clio_dagster.ingest import IngestError, append_quarantine, read_quarantine
from clio_dagster.schema import QUARANTINE_SCHEMA


def _rows(*keys: tuple[str, int, str], partition: str = "2024-05-01") -> pl.DataFrame:
    return pl.DataFrame(
        [(source, line, reason, "detail", "{raw}", partition) for source, line, reason in keys],
        schema=QUARANTINE_SCHEMA,
        orient="row",
    )


def test_append_is_idempotent_per_source_line_reason(tmp_path: Path) -> None:
    path = tmp_path / "restricted" / "quarantine.parquet"
    assert append_quarantine(path, _rows(("a.jsonl", 1, "invalid_json"), ("a.jsonl", 2, "bad_message"))) == 2
    again = _rows(("a.jsonl", 1, "invalid_json"), ("a.jsonl", 3, "invalid_json"), partition="2024-05-02")
    assert append_quarantine(path, again) == 1
    assert append_quarantine(path, again) == 0
    # the same line with another reason (the record changed between runs) is a new row
    assert append_quarantine(path, _rows(("a.jsonl", 1, "bad_timestamp"))) == 1
    stored = read_quarantine(path)
    assert stored.schema == QUARANTINE_SCHEMA
    assert stored.select("line", "reason", "partition").rows() == [
        (1, "invalid_json", "2024-05-01"),
        (2, "bad_message", "2024-05-01"),
        (3, "invalid_json", "2024-05-02"),
        (1, "bad_timestamp", "2024-05-01"),
    ]


def test_duplicates_within_one_batch_are_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "q.parquet"
    assert append_quarantine(path, _rows(("a", 1, "invalid_json"), ("a", 1, "invalid_json"))) == 1


def test_file_and_created_parents_are_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    path = home / "restricted" / "nested" / "quarantine.parquet"
    old_umask = os.umask(0o022)
    try:
        append_quarantine(path, _rows(("a", 1, "invalid_json")))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "restricted").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "restricted" / "nested").stat().st_mode) == 0o700
    assert stat.S_IMODE(home.stat().st_mode) == 0o755  # existing directories are not touched
    append_quarantine(path, _rows(("a", 2, "invalid_json")))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["quarantine.parquet", "quarantine.parquet.lock"]


def test_nothing_to_add_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "restricted" / "quarantine.parquet"
    assert append_quarantine(path, pl.DataFrame(schema=QUARANTINE_SCHEMA)) == 0
    assert not path.parent.exists()
    assert read_quarantine(path).is_empty()


def test_rows_without_the_schema_are_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="QUARANTINE_SCHEMA"):
        append_quarantine(tmp_path / "q.parquet", pl.DataFrame({"source": ["a"], "line": [1]}))


def test_older_table_without_detail_column_is_extended(tmp_path: Path) -> None:
    path = tmp_path / "q.parquet"
    _rows(("a", 1, "invalid_json")).drop("detail").write_parquet(path)
    assert append_quarantine(path, _rows(("a", 1, "invalid_json"), ("a", 2, "invalid_json"))) == 1
    assert read_quarantine(path)["detail"].to_list() == [None, "detail"]
