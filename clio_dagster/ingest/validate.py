"""Validation of one record against the pydantic ``Conversation``, with a stable reason per rejection.

Reason codes (the ``reason`` column of the quarantine table; ``detail`` says more):
``invalid_json``, ``unknown_format``, ``missing_field:<name>``, ``bad_field:<name>``,
``bad_timestamp``, ``timestamp_without_zone``, ``empty_messages``, ``bad_message``,
``bad_moderation`` and, decided over the whole source, ``duplicate_conversation_id``.
A record gets exactly one reason: the first failing check in the order time, conversation_id,
user_id, messages, moderation, metadata. The time comes first because it decides the partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from clio_dagster.ingest.adapters import Adapter, Rejection, detect
from clio_dagster.ingest.sources import RawRecord
from clio_dagster.schema import Conversation

REQUIRED = ("conversation_id", "user_id", "messages")
# created_at is checked (and parsed) before pydantic sees the record, so it is not listed here.
_FIELD_ORDER = {"conversation_id": 1, "user_id": 2, "messages": 3, "moderation": 4, "metadata": 5}


@dataclass(frozen=True, slots=True)
class Checked:
    """The outcome for one record: its UTC time if usable, and either a canonical row or a rejection."""

    format: str | None
    created_at: datetime | None
    conversation: Conversation | None = None
    rejection: Rejection | None = None

    def row(self) -> tuple:
        """The record as a CONVERSATIONS_SCHEMA row (built on demand: most records are for other days)."""
        assert self.conversation is not None and self.created_at is not None
        return _row(self.conversation, self.created_at)


@dataclass(frozen=True, slots=True)
class RecordKey:
    """What a cheap look at a record gives: its shape, its time and its id, or the first problem."""

    adapter: Adapter | None
    created_at: datetime | None  # UTC; None when unusable
    conversation_id: str | None  # as written, unvalidated
    rejection: Rejection | None = None


def record_key(raw: RawRecord) -> RecordKey:
    """Shape, UTC time and conversation id of a record, without full validation."""
    if raw.parse_error is not None:
        return RecordKey(None, None, None, Rejection("invalid_json", raw.parse_error))
    adapter = detect(raw.value)
    if isinstance(adapter, Rejection):
        return RecordKey(None, None, None, adapter)
    created_at = adapter.created_at(raw.value)
    if isinstance(created_at, Rejection):
        return RecordKey(adapter, None, adapter.conversation_id(raw.value), created_at)
    return RecordKey(adapter, created_at, adapter.conversation_id(raw.value))


def check_record(raw: RawRecord, key: RecordKey | None = None) -> Checked:
    """Adapt and validate one record (reusing ``key`` if already computed); never raises for bad input."""
    key = key or record_key(raw)
    adapter, created_at = key.adapter, key.created_at
    if key.rejection is not None:
        return Checked(adapter.name if adapter else None, None, rejection=key.rejection)
    record = adapter.canonical(raw.value)
    if isinstance(record, Rejection):
        return Checked(adapter.name, created_at, rejection=record)
    for name in REQUIRED:
        if record.get(name) is None:
            return Checked(
                adapter.name, created_at, rejection=Rejection(f"missing_field:{name}", f"no {name}")
            )
    try:
        conversation = Conversation.model_validate({**record, "created_at": created_at})
    except ValidationError as exc:
        return Checked(adapter.name, created_at, rejection=_reason(exc))
    return Checked(adapter.name, created_at, conversation=conversation)


def _reason(exc: ValidationError) -> Rejection:
    errors = sorted(exc.errors(), key=lambda e: _FIELD_ORDER.get(str(e["loc"][0]) if e["loc"] else "", 9))
    error = errors[0]
    loc = error["loc"]
    field = str(loc[0]) if loc else "record"
    where = ".".join(str(part) for part in loc)
    detail = f"{where}: {error['msg']}"
    if field == "messages":
        if error["type"] == "too_short":
            return Rejection("empty_messages", "messages is empty")
        return Rejection("bad_message", detail)
    if field == "moderation":
        return Rejection("bad_moderation", detail)
    return Rejection(f"bad_field:{field}", detail)


def _row(conversation: Conversation, created_at: datetime) -> tuple:
    moderation = conversation.moderation
    metadata: Any = conversation.metadata
    return (
        conversation.conversation_id,
        conversation.user_id,
        created_at,
        [{"role": m.role, "content": m.content} for m in conversation.messages],
        moderation.flagged if moderation else None,
        moderation.score if moderation else None,
        moderation.categories if moderation else None,
        orjson.dumps(metadata, default=str).decode() if metadata is not None else None,
    )
