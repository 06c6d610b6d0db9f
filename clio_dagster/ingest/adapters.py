"""Adapters from the public conversation shapes to the canonical record of DESIGN §3.

The shape is detected per record, so one source may mix them:

- ``canonical``: has ``messages``. ``created_at`` must be ISO-8601 text with a zone (or, from
  Parquet, a zoned timestamp).
- ``sharegpt``: has ``conversations: [{from, value}]`` and ``id``. ShareGPT carries no account and
  no time, so a record is kept only if the exporter added ``user_id`` (or ``user``) and
  ``created_at`` (or ``timestamp``, with a zone); otherwise it is quarantined as
  ``missing_field:user_id`` / ``missing_field:created_at``. We never invent an account: one made
  up per conversation would count every conversation as a distinct user and defeat the
  ``min_unique_users`` threshold. ``from``: human/user -> user, gpt/assistant/chatgpt/bing/bard/model
  -> assistant, system -> system.
- ``wildchat``: has ``conversation`` and ``conversation_hash`` (or the first release's
  ``conversation_id`` with ``timestamp``). Account: ``user_id``, else ``user``, else ``hashed_ip``
  (top level, else that of the first user turn). ``timestamp`` without a zone is read as UTC:
  WildChat documents its times as UTC and some releases drop the zone from the column type.
- ``lmsys``: has ``conversation`` and ``conversation_id`` (LMSYS-Chat-1M, Chatbot Arena logs).
  Time: ``tstamp`` (epoch seconds) or ``timestamp``. Account: ``user_id``, ``user`` or
  ``hashed_ip``; the public LMSYS-Chat-1M release has neither, so its records are quarantined
  unless the exporter adds one (same reason as ShareGPT).

WildChat and LMSYS ``openai_moderation`` (one verdict per turn) becomes one verdict: flagged if any
turn is flagged, score = the highest category score, categories = the union of flagged categories
(underscore spellings folded into OpenAI's slash names). Location, request headers and IP-derived
fields other than the account are not carried into ``metadata`` (data minimisation).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a record cannot be used: a stable code and a human detail."""

    reason: str
    detail: str


Timestamp = datetime | Rejection
Canonical = dict[str, Any] | Rejection

# Epoch numbers above this are milliseconds (as seconds they would be past the year 5000).
_EPOCH_MS_ABOVE = 1e11

_SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "model": "assistant",
    "system": "system",
}

_OPENAI_CATEGORY_NAMES = {
    "harassment_threatening": "harassment/threatening",
    "hate_threatening": "hate/threatening",
    "self_harm": "self-harm",
    "self_harm_instructions": "self-harm/instructions",
    "self_harm_intent": "self-harm/intent",
    "sexual_minors": "sexual/minors",
    "violence_graphic": "violence/graphic",
    "illicit_violent": "illicit/violent",
}


def parse_time(value: Any, *, field: str, naive_is_utc: bool, allow_epoch: bool) -> Timestamp:
    """A UTC datetime from ISO text, a datetime or (if allowed) epoch seconds; else a Rejection."""
    if value is None:
        return Rejection("missing_field:created_at", f"no {field}")
    try:
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip())
        elif allow_epoch and isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if value > _EPOCH_MS_ABOVE else value
            return datetime.fromtimestamp(seconds, tz=UTC)
        else:
            kind = "epoch number" if isinstance(value, int | float) else type(value).__name__
            return Rejection("bad_timestamp", f"{field} must be ISO-8601 text with a zone, got {kind}")
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            if not naive_is_utc:
                return Rejection("timestamp_without_zone", f"{field} {value!s:.40} has no time zone")
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return Rejection("bad_timestamp", f"{field} {value!s:.40} is not a valid ISO-8601 time")


def _first(record: dict[str, Any], *keys: str) -> tuple[str, Any]:
    """The first of ``keys`` with a non-null value (its name and value), else the first key and None."""
    for key in keys:
        if record.get(key) is not None:
            return key, record[key]
    return keys[0], None


def _source_id(value: Any) -> Any:
    """Public datasets store ids as text or integers: integers become text; the rest is validated later."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _metadata(fmt: str, record: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    meta = {"source_format": fmt}
    meta.update({k: record[k] for k in keys if record.get(k) is not None})
    return meta


# ---- canonical ---------------------------------------------------------------------------------


def _canonical_time(record: dict[str, Any]) -> Timestamp:
    return parse_time(record.get("created_at"), field="created_at", naive_is_utc=False, allow_epoch=False)


def _canonical(record: dict[str, Any]) -> Canonical:
    moderation = record.get("moderation")
    if moderation is None and record.get("moderation_flagged") is not None:
        # Flattened columns, as in CONVERSATIONS_SCHEMA (a re-read of our own Parquet output).
        moderation = {
            "flagged": record["moderation_flagged"],
            "score": record.get("moderation_score"),
            "categories": record.get("moderation_categories") or [],
        }
    metadata = record.get("metadata")
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except json.JSONDecodeError:
            return Rejection("bad_field:metadata", "metadata text is not JSON")
    return {
        "conversation_id": record.get("conversation_id"),
        "user_id": record.get("user_id"),
        "messages": record.get("messages"),
        "moderation": moderation,
        "metadata": metadata,
    }


# ---- ShareGPT ----------------------------------------------------------------------------------


def _sharegpt_time(record: dict[str, Any]) -> Timestamp:
    field, value = _first(record, "created_at", "timestamp")
    return parse_time(value, field=field, naive_is_utc=False, allow_epoch=False)


def _sharegpt(record: dict[str, Any]) -> Canonical:
    turns = record.get("conversations")
    messages = None
    if turns is not None:
        if not isinstance(turns, list):
            return Rejection("bad_message", "conversations is not a list")
        messages = []
        for number, turn in enumerate(turns, start=1):
            if not isinstance(turn, dict):
                return Rejection("bad_message", f"turn {number} is not an object")
            role = _SHAREGPT_ROLES.get(str(turn.get("from", "")).lower())
            if role is None:
                return Rejection("bad_message", f"turn {number} has unknown 'from' {turn.get('from')!r:.30}")
            messages.append({"role": role, "content": turn.get("value")})
    return {
        "conversation_id": _source_id(record.get("id")),
        "user_id": _first(record, "user_id", "user")[1],
        "messages": messages,
        "moderation": None,
        "metadata": _metadata("sharegpt", record, ("model", "language")),
    }


# ---- WildChat and LMSYS-Chat -------------------------------------------------------------------


def _chat_messages(turns: Any) -> list[dict[str, Any]] | Rejection | None:
    if turns is None:
        return None
    if not isinstance(turns, list):
        return Rejection("bad_message", "conversation is not a list")
    messages = []
    for number, turn in enumerate(turns, start=1):
        if not isinstance(turn, dict):
            return Rejection("bad_message", f"turn {number} is not an object")
        messages.append({"role": turn.get("role"), "content": turn.get("content")})
    return messages


def merge_openai_moderation(items: Any) -> dict[str, Any] | Rejection | None:
    """One verdict from per-turn OpenAI moderation results: any flagged, max score, union of categories."""
    if items is None or items == []:
        return None
    if not isinstance(items, list):
        return Rejection("bad_moderation", "openai_moderation is not a list")
    flagged, score, categories = False, 0.0, set()
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            return Rejection("bad_moderation", f"openai_moderation item {number} is not an object")
        scores = item.get("category_scores") or {}
        names = item.get("categories") or {}
        if not isinstance(scores, dict) or not isinstance(names, dict):
            return Rejection("bad_moderation", f"openai_moderation item {number} has malformed categories")
        for name, value in scores.items():
            # Null scores come from merged Parquet structs where a release used another spelling.
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                return Rejection("bad_moderation", f"score for {name!r:.40} is not a number")
            score = max(score, float(value))
        categories.update(_OPENAI_CATEGORY_NAMES.get(k, k) for k, on in names.items() if on is True)
        item_flagged = item.get("flagged")
        if item_flagged is None:
            item_flagged = any(on is True for on in names.values())
        if not isinstance(item_flagged, bool):
            return Rejection("bad_moderation", f"openai_moderation item {number} 'flagged' is not a boolean")
        flagged = flagged or item_flagged
    return {"flagged": flagged, "score": score, "categories": sorted(categories)}


def _chat_log(
    fmt: str, record: dict[str, Any], id_keys: tuple[str, ...], meta_keys: tuple[str, ...]
) -> Canonical:
    messages = _chat_messages(record.get("conversation"))
    if isinstance(messages, Rejection):
        return messages
    moderation = merge_openai_moderation(record.get("openai_moderation"))
    if isinstance(moderation, Rejection):
        return moderation
    user = _first(record, "user_id", "user", "hashed_ip")[1]
    if user is None and isinstance(record.get("conversation"), list):
        user = next(
            (
                t.get("hashed_ip")
                for t in record["conversation"]
                if isinstance(t, dict) and t.get("hashed_ip")
            ),
            None,
        )
    return {
        "conversation_id": _source_id(_first(record, *id_keys)[1]),
        "user_id": user,
        "messages": messages,
        "moderation": moderation,
        "metadata": _metadata(fmt, record, meta_keys),
    }


def _wildchat_time(record: dict[str, Any]) -> Timestamp:
    return parse_time(record.get("timestamp"), field="timestamp", naive_is_utc=True, allow_epoch=True)


def _wildchat(record: dict[str, Any]) -> Canonical:
    return _chat_log(
        "wildchat",
        record,
        ("conversation_hash", "conversation_id"),
        ("model", "language", "turn", "toxic", "redacted"),
    )


def _lmsys_time(record: dict[str, Any]) -> Timestamp:
    field, value = _first(record, "tstamp", "timestamp")
    return parse_time(value, field=field, naive_is_utc=True, allow_epoch=True)


def _lmsys(record: dict[str, Any]) -> Canonical:
    return _chat_log("lmsys", record, ("conversation_id",), ("model", "language", "turn", "redacted"))


# ---- detection ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Adapter:
    """How to read one public shape: its name, its time, and its canonical record."""

    name: str
    id_keys: tuple[str, ...]  # where the conversation id is, first non-null wins
    created_at: Callable[[dict[str, Any]], Timestamp]
    canonical: Callable[[dict[str, Any]], Canonical]

    def conversation_id(self, record: dict[str, Any]) -> str | None:
        """The id as the record gives it (integers as text; None if not text), without other checks."""
        value = _source_id(_first(record, *self.id_keys)[1])
        return value if isinstance(value, str) else None


ADAPTERS = {
    a.name: a
    for a in (
        Adapter("canonical", ("conversation_id",), _canonical_time, _canonical),
        Adapter("sharegpt", ("id",), _sharegpt_time, _sharegpt),
        Adapter("wildchat", ("conversation_hash", "conversation_id"), _wildchat_time, _wildchat),
        Adapter("lmsys", ("conversation_id",), _lmsys_time, _lmsys),
    )
}


def detect(record: Any) -> Adapter | Rejection:
    """The adapter for one parsed record, or ``unknown_format``."""
    if not isinstance(record, dict):
        return Rejection("unknown_format", f"record is a JSON {type(record).__name__}, not an object")
    if "messages" in record:
        return ADAPTERS["canonical"]
    if "conversations" in record:
        return ADAPTERS["sharegpt"]
    if "conversation" in record:
        if "conversation_hash" in record or "timestamp" in record:
            return ADAPTERS["wildchat"]
        return ADAPTERS["lmsys"]
    if "conversation_id" in record and "created_at" in record:
        return ADAPTERS["canonical"]  # a canonical record without messages: say so, not "unknown"
    keys = ", ".join(sorted(map(str, record))[:8])
    return Rejection("unknown_format", f"no messages/conversations/conversation field (keys: {keys})")
