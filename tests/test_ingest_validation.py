"""Every rejection reason, fed its bad input: the reason is recorded and nothing is lost."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from clio_dagster.ingest import ingest_partition

_spec = importlib.util.spec_from_file_location(
    "ingest_support", Path(__file__).with_name("ingest_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

DAY = "2024-05-01"

BAD_RECORDS = [
    ("invalid_json", '{"conversation_id": "x", "user_id": '),
    ("invalid_json", b'{"conversation_id": "\xff\xfe"}'),
    ("unknown_format", '["not", "an", "object"]'),
    ("unknown_format", {"id": "x", "text": "hello"}),
    ("missing_field:created_at", support.canonical("bad", created_at=None)),
    ("bad_timestamp", support.canonical("bad", created_at="yesterday at noon")),
    ("bad_timestamp", support.canonical("bad", created_at=1714557600)),
    ("timestamp_without_zone", support.canonical("bad", created_at="2024-05-01T10:00:00")),
    ("missing_field:conversation_id", support.canonical(None)),
    ("bad_field:conversation_id", support.canonical("")),
    ("bad_field:conversation_id", support.canonical(123)),
    ("bad_field:conversation_id", support.canonical(["a", "list"])),
    ("missing_field:user_id", support.canonical("bad", user_id=None)),
    ("bad_field:user_id", support.canonical("bad", user_id=["u1"])),
    ("missing_field:messages", support.canonical("bad", messages=None)),
    ("empty_messages", support.canonical("bad", messages=[])),
    ("bad_message", support.canonical("bad", messages=[{"role": "tool", "content": "x"}])),
    ("bad_message", support.canonical("bad", messages=[{"role": "user"}])),
    ("bad_message", support.canonical("bad", messages=[{"role": "user", "content": 7}])),
    ("bad_message", support.canonical("bad", messages="hello")),
    ("bad_moderation", support.canonical("bad", moderation={"flagged": True, "score": 3.0})),
    ("bad_moderation", support.canonical("bad", moderation={"score": 0.5})),
    ("bad_moderation", support.canonical("bad", moderation="flagged")),
    ("bad_field:metadata", support.canonical("bad", metadata=["free"])),
    ("bad_field:metadata", support.canonical("bad", metadata="{not json")),
]


def _write(tmp_path: Path, bad: object) -> Path:
    path = tmp_path / "in.jsonl"
    good = [support.canonical("good-1"), support.canonical("good-2", created_at="2024-05-01T23:59:59Z")]
    lines = [good[0], bad, good[1]]
    if isinstance(bad, bytes):
        path.write_bytes(b"\n".join(x if isinstance(x, bytes) else json.dumps(x).encode() for x in lines))
        return path
    return support.write_jsonl(path, lines)


@pytest.mark.parametrize(
    ("reason", "bad"), BAD_RECORDS, ids=[f"{r}-{i}" for i, (r, _) in enumerate(BAD_RECORDS)]
)
def test_bad_record_is_quarantined_with_its_reason(tmp_path: Path, reason: str, bad: object) -> None:
    result = ingest_partition(str(_write(tmp_path, bad)), DAY)
    support.assert_nothing_lost(result)
    assert result.counts.read == 3
    assert support.ids(result.kept) == ["good-1", "good-2"]
    assert support.reasons(result) == [reason]
    row = result.quarantined.row(0, named=True)
    assert row["line"] == 2 and row["partition"] == DAY and row["detail"]
    assert row["source"] == str((tmp_path / "in.jsonl").resolve())


def test_raw_record_text_is_kept_verbatim(tmp_path: Path) -> None:
    line = '{"conversation_id": "x",  "user_id": "u1"}'
    result = ingest_partition(str(support.write_jsonl(tmp_path / "in.jsonl", [line])), DAY)
    assert result.quarantined["raw"].to_list() == [line]


def test_undated_rejections_are_reported_by_every_partition(tmp_path: Path) -> None:
    path = support.write_jsonl(
        tmp_path / "in.jsonl",
        [
            support.canonical("a"),
            support.canonical("b", created_at="2024-05-02T10:00:00Z"),
            "not json",
            support.canonical("c", created_at="2024-05-02T10:00:00Z", user_id=None),
        ],
    )
    results = support.all_partitions(str(path))
    assert list(results) == ["2024-05-01", "2024-05-02"]
    first, second = results.values()
    assert support.reasons(first) == ["invalid_json"] and first.counts.undated == 1
    assert support.reasons(second) == ["invalid_json", "missing_field:user_id"]
    assert first.counts.other_dates == 2 and second.counts.other_dates == 1
    for result in results.values():
        support.assert_nothing_lost(result)


def test_duplicates_keep_the_first_valid_record_in_source_order(tmp_path: Path) -> None:
    path = support.write_jsonl(
        tmp_path / "in.jsonl",
        [
            support.canonical("a", messages=[]),  # broken: does not claim "a"
            support.canonical("a", created_at="2024-05-02T08:00:00Z"),  # kept, on another day
            support.canonical("a", user_id="u2"),  # later duplicate on DAY
            support.canonical("b"),
            support.canonical("b", created_at="2024-05-01T00:00:00Z"),  # earlier in time, later in source
        ],
    )
    day = ingest_partition(str(path), DAY)
    support.assert_nothing_lost(day)
    assert support.ids(day.kept) == ["b"]
    assert day.kept["created_at"].dt.hour().to_list() == [10]
    assert support.reasons(day) == [
        "empty_messages",
        "duplicate_conversation_id",
        "duplicate_conversation_id",
    ]
    assert day.quarantined["line"].to_list() == [1, 3, 5]
    other = ingest_partition(str(path), "2024-05-02")
    assert support.ids(other.kept) == ["a"] and other.quarantined.is_empty()
