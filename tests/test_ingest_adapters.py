"""Adapters: canonical, ShareGPT, WildChat and LMSYS-Chat records map to CONVERSATIONS_SCHEMA."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from clio_dagster.ingest import Rejection, ingest_partition, merge_openai_moderation
from clio_dagster.schema import CONVERSATIONS_SCHEMA, QUARANTINE_SCHEMA

_spec = importlib.util.spec_from_file_location(
    "ingest_support", Path(__file__).with_name("ingest_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

DAY = "2024-05-01"


def _moderation_turn(flagged: bool, scores: dict, categories: dict) -> dict:
    return {"flagged": flagged, "category_scores": scores, "categories": categories}


WILDCHAT = {
    "conversation_hash": "9f2c0e",
    "model": "gpt-3.5-turbo",
    "timestamp": "2024-05-01T13:45:00",  # WildChat releases without a zone: documented as UTC
    "conversation": [
        {
            "role": "user",
            "content": "write a poem",
            "hashed_ip": "abc123",
            "country": "France",
            "toxic": False,
        },
        {"role": "assistant", "content": "Roses...", "country": None, "turn_identifier": 1},
    ],
    "turn": 1,
    "language": "English",
    "openai_moderation": [
        _moderation_turn(False, {"hate": 0.01, "violence": 0.2}, {"hate": False, "violence": False}),
        _moderation_turn(
            True,
            {"hate": 0.7, "harassment/threatening": None, "harassment_threatening": 0.4},
            {"hate": True, "harassment/threatening": None, "harassment_threatening": True},
        ),
    ],
    "toxic": True,
    "redacted": False,
    "state": "Île-de-France",
    "country": "France",
    "hashed_ip": "abc123",
    "header": {"user-agent": "Mozilla/5.0"},
}

LMSYS = {
    "conversation_id": "33f01939a744455c869cb234afca47f1",
    "model": "vicuna-13b",
    "conversation": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}],
    "turn": 1,
    "language": "English",
    "openai_moderation": [
        _moderation_turn(False, {"sexual": 0.0001}, {"sexual": False}),
        _moderation_turn(False, {"sexual": 0.002}, {"sexual": False}),
    ],
    "redacted": False,
    "tstamp": 1714571100.25,  # 2024-05-01T13:45:00.25Z
    "user_id": "arena-user-7",
}

SHAREGPT = {
    "id": "QWJhYvA_0",
    "conversations": [
        {"from": "system", "value": "be brief"},
        {"from": "human", "value": "summarise this"},
        {"from": "gpt", "value": "Sure."},
    ],
    "user_id": "sg-1",
    "created_at": "2024-05-01T08:00:00-04:00",
}


def _ingest(tmp_path: Path, records: list) -> object:
    result = ingest_partition(str(support.write_jsonl(tmp_path / "in.jsonl", records)), DAY)
    support.assert_nothing_lost(result)
    assert result.kept.schema == CONVERSATIONS_SCHEMA
    assert result.quarantined.schema == QUARANTINE_SCHEMA
    return result


def test_canonical_record_maps_every_field(tmp_path: Path) -> None:
    record = support.canonical(
        "c1",
        created_at="2024-05-01T12:00:00+02:00",
        messages=[{"role": "system", "content": "s"}, {"role": "user", "content": "q", "extra": 1}],
        moderation={"flagged": True, "score": 0.75, "categories": ["violence"]},
        metadata={"platform": "web", "tier": "pro"},
    )
    row = _ingest(tmp_path, [record]).kept.row(0, named=True)
    assert row["created_at"] == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert row["messages"] == [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]
    assert (row["moderation_flagged"], row["moderation_score"], row["moderation_categories"]) == (
        True,
        0.75,
        ["violence"],
    )
    assert json.loads(row["metadata"]) == {"platform": "web", "tier": "pro"}


def test_canonical_without_optional_fields_has_nulls(tmp_path: Path) -> None:
    row = _ingest(tmp_path, [support.canonical("c1")]).kept.row(0, named=True)
    assert row["moderation_flagged"] is None and row["moderation_score"] is None and row["metadata"] is None


def test_sharegpt_maps_roles_and_needs_added_account_and_time(tmp_path: Path) -> None:
    no_time = {k: v for k, v in SHAREGPT.items() if k != "created_at"} | {"id": "no-time"}
    no_user = {k: v for k, v in SHAREGPT.items() if k != "user_id"} | {"id": "no-user"}
    bad_from = SHAREGPT | {"id": "bad-from", "conversations": [{"from": "narrator", "value": "x"}]}
    result = _ingest(tmp_path, [SHAREGPT, no_time, no_user, bad_from])
    row = result.kept.row(0, named=True)
    assert row["conversation_id"] == "QWJhYvA_0" and row["user_id"] == "sg-1"
    assert row["created_at"] == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    assert json.loads(row["metadata"]) == {"source_format": "sharegpt"}
    assert support.reasons(result) == ["missing_field:created_at", "missing_field:user_id", "bad_message"]
    assert result.counts.undated == 1 and result.counts.by_format == {"sharegpt": 1}


def test_wildchat_account_time_moderation_and_minimised_metadata(tmp_path: Path) -> None:
    per_turn_ip = {k: v for k, v in WILDCHAT.items() if k != "hashed_ip"} | {"conversation_hash": "other"}
    result = _ingest(tmp_path, [WILDCHAT, per_turn_ip])
    first = result.kept.row(0, named=True)
    assert first["conversation_id"] == "9f2c0e" and first["user_id"] == "abc123"
    assert first["created_at"] == datetime(2024, 5, 1, 13, 45, tzinfo=UTC)
    assert [m["role"] for m in first["messages"]] == ["user", "assistant"]
    assert first["moderation_flagged"] is True
    assert first["moderation_score"] == 0.7
    assert first["moderation_categories"] == ["harassment/threatening", "hate"]
    metadata = json.loads(first["metadata"])
    assert metadata == {
        "source_format": "wildchat",
        "model": "gpt-3.5-turbo",
        "language": "English",
        "turn": 1,
        "toxic": True,
        "redacted": False,
    }
    assert result.kept.row(1, named=True)["user_id"] == "abc123"


def test_wildchat_zoned_and_epoch_timestamps(tmp_path: Path) -> None:
    zoned = WILDCHAT | {"conversation_hash": "z", "timestamp": "2024-05-01T23:30:00-02:00"}
    epoch_ms = WILDCHAT | {"conversation_hash": "ms", "timestamp": 1714571100000}
    result = _ingest(tmp_path, [zoned, epoch_ms])
    assert support.ids(result.kept) == ["ms"]  # zoned is 2024-05-02T01:30Z
    assert result.kept["created_at"].to_list() == [datetime(2024, 5, 1, 13, 45, tzinfo=UTC)]
    assert result.counts.other_dates == 1


def test_wildchat_without_account_is_quarantined(tmp_path: Path) -> None:
    anonymous = {k: v for k, v in WILDCHAT.items() if k != "hashed_ip"}
    anonymous["conversation"] = [
        {k: v for k, v in t.items() if k != "hashed_ip"} for t in WILDCHAT["conversation"]
    ]
    assert support.reasons(_ingest(tmp_path, [anonymous])) == ["missing_field:user_id"]


def test_lmsys_epoch_tstamp_and_moderation(tmp_path: Path) -> None:
    no_user = {k: v for k, v in LMSYS.items() if k != "user_id"} | {"conversation_id": "anon"}
    no_time = {k: v for k, v in LMSYS.items() if k != "tstamp"} | {"conversation_id": "timeless"}
    result = _ingest(tmp_path, [LMSYS, no_user, no_time])
    row = result.kept.row(0, named=True)
    assert row["conversation_id"] == LMSYS["conversation_id"] and row["user_id"] == "arena-user-7"
    assert row["created_at"] == datetime(2024, 5, 1, 13, 45, 0, 250000, tzinfo=UTC)
    assert (row["moderation_flagged"], row["moderation_score"], row["moderation_categories"]) == (
        False,
        0.002,
        [],
    )
    assert json.loads(row["metadata"])["source_format"] == "lmsys"
    assert support.reasons(result) == ["missing_field:user_id", "missing_field:created_at"]


def test_bad_openai_moderation_is_quarantined(tmp_path: Path) -> None:
    records = [
        WILDCHAT | {"conversation_hash": "a", "openai_moderation": "flagged"},
        WILDCHAT | {"conversation_hash": "b", "openai_moderation": [{"category_scores": {"hate": "high"}}]},
        WILDCHAT | {"conversation_hash": "c", "openai_moderation": [{"flagged": "yes"}]},
    ]
    assert support.reasons(_ingest(tmp_path, records)) == ["bad_moderation"] * 3


def test_mixed_shapes_in_one_file(tmp_path: Path) -> None:
    result = _ingest(tmp_path, [support.canonical("c1"), SHAREGPT, WILDCHAT, LMSYS])
    assert result.counts.by_format == {"canonical": 1, "lmsys": 1, "sharegpt": 1, "wildchat": 1}
    # sorted by time: 10:00, 12:00, 13:45:00 (WildChat), 13:45:00.25 (LMSYS)
    assert support.ids(result.kept) == ["c1", "QWJhYvA_0", "9f2c0e", "33f01939a744455c869cb234afca47f1"]


def test_merge_openai_moderation_rules() -> None:
    assert merge_openai_moderation(None) is None
    assert merge_openai_moderation([]) is None
    merged = merge_openai_moderation(
        [
            {"categories": {"violence": True}, "category_scores": {"violence": 0.9}},  # no "flagged": derived
            {"flagged": False, "categories": {"self_harm": True}, "category_scores": {"self_harm": 0.3}},
        ]
    )
    assert merged == {"flagged": True, "score": 0.9, "categories": ["self-harm", "violence"]}
    assert isinstance(merge_openai_moderation([{"category_scores": {"x": float("nan")}}]), Rejection)


def test_wildchat_from_parquet_with_merged_structs(tmp_path: Path) -> None:
    # In Parquet every turn's moderation struct carries every category key, null where absent.
    second = WILDCHAT | {"conversation_hash": "second", "timestamp": datetime(2024, 5, 1, 14, 0)}
    second["openai_moderation"] = [_moderation_turn(False, {"violence": 0.05}, {"violence": False})]
    first = WILDCHAT | {"timestamp": datetime(2024, 5, 1, 13, 45)}
    pl.DataFrame([first, second]).write_parquet(tmp_path / "wildchat.parquet")
    result = ingest_partition(str(tmp_path / "wildchat.parquet"), DAY)
    support.assert_nothing_lost(result)
    rows = result.kept.select("conversation_id", "^moderation_.*$")
    assert rows.rows() == [
        ("9f2c0e", True, 0.7, ["harassment/threatening", "hate"]),
        ("second", False, 0.05, []),
    ]
