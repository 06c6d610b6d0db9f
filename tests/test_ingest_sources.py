"""Sources: files, gzip, directories, globs, JSON arrays, Parquet, several dates, and source errors."""

from __future__ import annotations

import gzip
import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from clio_dagster.ingest import (
    IngestError,
    append_quarantine,
    discover_dates,
    ingest_partition,
    read_quarantine,
)

_spec = importlib.util.spec_from_file_location(
    "ingest_support", Path(__file__).with_name("ingest_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

canonical = support.canonical
DAY = "2024-05-01"


def test_multi_date_file_gives_each_day_its_records_sorted(tmp_path: Path) -> None:
    path = support.write_jsonl(
        tmp_path / "in.jsonl",
        [
            canonical("late", created_at="2024-05-01T23:59:59.999999+00:00"),
            canonical("next-day-local", created_at="2024-05-01T23:30:00-01:00"),  # 2024-05-02 00:30Z
            canonical("b", created_at="2024-05-01T09:00:00Z"),
            canonical("a", created_at="2024-05-01T09:00:00Z"),
            canonical("prev-day-local", created_at="2024-05-01T01:00:00+03:00"),  # 2024-04-30 22:00Z
        ],
    )
    assert discover_dates(str(path)) == ["2024-04-30", "2024-05-01", "2024-05-02"]
    day = ingest_partition(str(path), DAY)
    assert support.ids(day.kept) == ["a", "b", "late"]  # by (created_at, conversation_id)
    assert day.counts.other_dates == 2
    assert support.ids(ingest_partition(str(path), "2024-05-02").kept) == ["next-day-local"]
    assert support.ids(ingest_partition(str(path), "2024-04-30").kept) == ["prev-day-local"]
    assert ingest_partition(str(path), "2024-06-01").kept.is_empty()


def test_gzip_jsonl(tmp_path: Path) -> None:
    path = support.write_jsonl(tmp_path / "in.jsonl.gz", [canonical("a"), "broken"], compress=True)
    result = ingest_partition(str(path), DAY)
    assert support.ids(result.kept) == ["a"] and support.reasons(result) == ["invalid_json"]


def test_directory_reads_supported_files_in_name_order(tmp_path: Path) -> None:
    support.write_jsonl(tmp_path / "b.jsonl", [canonical("dup"), canonical("b1")])
    support.write_jsonl(tmp_path / "a.json.gz", [canonical("dup", user_id="from-a")], compress=True)
    support.write_jsonl(tmp_path / "sub" / "c.ndjson", [canonical("c1")])
    (tmp_path / "notes.txt").write_text("not data")
    (tmp_path / ".hidden.jsonl").write_text("not data either")
    result = ingest_partition(str(tmp_path), DAY)
    support.assert_nothing_lost(result)
    assert result.counts.files == 3 and result.counts.read == 4
    kept = {r["conversation_id"]: r["user_id"] for r in result.kept.iter_rows(named=True)}
    assert kept == {"dup": "from-a", "b1": "u1", "c1": "u1"}  # a.json.gz comes first
    row = result.quarantined.row(0, named=True)
    assert row["reason"] == "duplicate_conversation_id"
    assert row["source"] == str((tmp_path / "b.jsonl").resolve()) and row["line"] == 1


def test_glob_selects_matching_files(tmp_path: Path) -> None:
    support.write_jsonl(tmp_path / "day1.jsonl", [canonical("one")])
    support.write_jsonl(tmp_path / "day2.jsonl", [canonical("two")])
    support.write_jsonl(tmp_path / "other.jsonl", [canonical("other")])
    result = ingest_partition(str(tmp_path / "day*.jsonl"), DAY)
    assert support.ids(result.kept) == ["one", "two"] and result.counts.files == 2


def test_json_array_file(tmp_path: Path) -> None:
    path = tmp_path / "sharegpt.json"
    path.write_text(json.dumps([canonical("a"), {"id": "s", "conversations": []}, 5]))
    result = ingest_partition(str(path), DAY)
    support.assert_nothing_lost(result)
    assert support.ids(result.kept) == ["a"]
    assert result.quarantined.select("line", "reason").rows() == [
        (2, "missing_field:created_at"),
        (3, "unknown_format"),
    ]
    assert result.quarantined["raw"][1] == "5"


def test_parquet_with_the_same_columns(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "conversation_id": ["p1", "p2", "p3", "p4"],
            "user_id": ["u1", "u2", None, "u4"],
            "created_at": [datetime(2024, 5, 1, h, tzinfo=UTC) for h in (12, 11, 10, 9)],
            "messages": [[{"role": "user", "content": "hi"}]] * 3 + [[]],
            "moderation": [{"flagged": True, "score": 0.5, "categories": ["hate"]}, None, None, None],
            "metadata": ['{"tier": "free"}', None, None, None],
        }
    )
    path = tmp_path / "in.parquet"
    frame.write_parquet(path)
    result = ingest_partition(str(path), DAY)
    support.assert_nothing_lost(result)
    assert support.ids(result.kept) == ["p2", "p1"]
    p1 = result.kept.row(1, named=True)
    assert p1["moderation_categories"] == ["hate"] and json.loads(p1["metadata"]) == {"tier": "free"}
    assert result.quarantined.select("line", "reason").rows() == [
        (3, "missing_field:user_id"),
        (4, "empty_messages"),
    ]
    assert json.loads(result.quarantined["raw"][0])["conversation_id"] == "p3"


def test_parquet_naive_timestamps_and_string_times(tmp_path: Path) -> None:
    naive = pl.DataFrame(
        {
            "conversation_id": ["n1"],
            "user_id": ["u"],
            "created_at": [datetime(2024, 5, 1, 10)],
            "messages": [[{"role": "user", "content": "hi"}]],
        }
    )
    naive.write_parquet(tmp_path / "a.parquet")
    text = naive.with_columns(
        pl.lit("2024-05-01T10:00:00Z").alias("created_at"), pl.lit("t1").alias("conversation_id")
    )
    text.write_parquet(tmp_path / "b.parquet")
    result = ingest_partition(str(tmp_path), DAY)
    assert support.ids(result.kept) == ["t1"] and support.reasons(result) == ["timestamp_without_zone"]


def test_kept_output_of_one_run_can_be_read_back(tmp_path: Path) -> None:
    source = support.write_jsonl(
        tmp_path / "in.jsonl",
        [canonical("a", moderation={"flagged": True, "score": 0.2, "categories": ["x"]})],
    )
    kept = ingest_partition(str(source), DAY).kept
    kept.write_parquet(tmp_path / "out" / "conversations.parquet", mkdir=True)
    again = ingest_partition(str(tmp_path / "out"), DAY).kept
    assert again.equals(kept)


def test_whole_source_identity_with_the_quarantine_table(tmp_path: Path) -> None:
    support.write_jsonl(
        tmp_path / "src" / "a.jsonl",
        [
            canonical("a"),
            canonical("b", created_at="2024-05-02T01:00:00Z"),
            "{oops",
            canonical("c", created_at="no time"),
            canonical("a", created_at="2024-05-02T02:00:00Z"),
            canonical("d", created_at="2024-05-03T00:00:00Z", messages=[]),
        ],
    )
    support.write_jsonl(tmp_path / "src" / "b.jsonl", [canonical("b"), {"unknown": 1}])
    source = str(tmp_path / "src")
    table = tmp_path / "restricted" / "quarantine.parquet"
    kept_total = 0
    for _ in range(2):  # re-running every day changes nothing
        kept_total = 0
        for result in support.all_partitions(source).values():
            support.assert_nothing_lost(result)
            kept_total += result.kept.height
            append_quarantine(table, result.quarantined)
    stored = read_quarantine(table)
    assert kept_total == 2  # a (05-01) and b (05-02)
    assert stored.select("source", "line").n_unique() == stored.height == 6
    assert result.counts.read == 8 == kept_total + stored.height
    meta = result.counts.as_metadata()
    assert meta["records_read"] == 8 and meta["records_undated"] == 3
    assert meta["quarantined_invalid_json"] == meta["quarantined_unknown_format"] == 1


def test_missing_source_and_empty_matches_raise_actionable_errors(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        ingest_partition(str(tmp_path / "nope.jsonl"), DAY)
    with pytest.raises(IngestError, match="holds no input files"):
        discover_dates(str(tmp_path))
    (tmp_path / "x.csv").write_text("a,b")
    with pytest.raises(IngestError, match="matches no input files"):
        ingest_partition(str(tmp_path / "*.csv"), DAY)
    with pytest.raises(IngestError, match="CLIO_INPUT"):
        ingest_partition("", DAY)
    support.write_jsonl(tmp_path / "ok.jsonl", [canonical("a")])
    with pytest.raises(IngestError, match="YYYY-MM-DD"):
        ingest_partition(str(tmp_path / "ok.jsonl"), "05/01/2024")


def test_truncated_gzip_and_corrupt_parquet_raise(tmp_path: Path) -> None:
    data = gzip.compress(b"\n".join(json.dumps(canonical(f"c{i}")).encode() for i in range(200)))
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match=r"cut\.jsonl\.gz.*truncated"):
        ingest_partition(str(tmp_path / "cut.jsonl.gz"), DAY)
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(IngestError, match=r"bad\.parquet"):
        ingest_partition(str(tmp_path / "bad.parquet"), DAY)


def test_unreadable_file_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = support.write_jsonl(tmp_path / "secret.jsonl", [canonical("a")])

    def denied(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    # chmod 000 does not stop root (which runs CI here), so refuse the open itself.
    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(IngestError, match=r"cannot read .*secret\.jsonl: Permission denied"):
        ingest_partition(str(path), DAY)
