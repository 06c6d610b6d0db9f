"""Typed records for every artefact: input conversations, facets, clusters and the public hierarchy.

Polars schemas describe the per-conversation tables (restricted zone); pydantic models describe
records that cross a boundary (input validation, LLM structured outputs, public JSON).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator

# ---- input -------------------------------------------------------------------------------------


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["user", "assistant", "system"]
    content: str


class Moderation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    flagged: bool
    score: float = Field(ge=0.0, le=1.0)
    categories: list[str] = []


class Conversation(BaseModel):
    """One input record in the canonical schema of DESIGN §3."""

    model_config = ConfigDict(extra="ignore")

    conversation_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
    created_at: datetime
    messages: list[Message] = Field(min_length=1)
    moderation: Moderation | None = None
    metadata: dict | None = None

    @field_validator("created_at")
    @classmethod
    def _needs_zone(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("created_at has no time zone")
        return value


MESSAGE_DTYPE = pl.Struct({"role": pl.Utf8, "content": pl.Utf8})

CONVERSATIONS_SCHEMA = pl.Schema(
    {
        "conversation_id": pl.Utf8,
        "user_id": pl.Utf8,
        "created_at": pl.Datetime("us", "UTC"),
        "messages": pl.List(MESSAGE_DTYPE),
        "moderation_flagged": pl.Boolean,
        "moderation_score": pl.Float64,
        "moderation_categories": pl.List(pl.Utf8),
        "metadata": pl.Utf8,  # JSON text; free-form
    }
)

QUARANTINE_SCHEMA = pl.Schema(
    {
        "source": pl.Utf8,  # file the record came from
        "line": pl.Int64,  # 1-based line (JSONL) or row (Parquet) number
        "reason": pl.Utf8,  # stable code, e.g. "missing_field:user_id"
        "detail": pl.Utf8,  # what exactly was wrong, for the person fixing the export
        "raw": pl.Utf8,  # the record as it was read
        "partition": pl.Utf8,  # the UTC date of the run that quarantined it
    }
)

# ---- facets ------------------------------------------------------------------------------------

FACETS_SCHEMA = pl.Schema(
    {
        "conversation_id": pl.Utf8,
        "user_id": pl.Utf8,
        "request": pl.Utf8,
        "task": pl.Utf8,
        "language": pl.Utf8,
        "turns": pl.Int32,
        "concerning": pl.Int8,
    }
)

FACET_FAILURES_SCHEMA = pl.Schema(
    {"conversation_id": pl.Utf8, "stage": pl.Utf8, "error": pl.Utf8, "attempts": pl.Int32}
)


# ---- clusters and hierarchy --------------------------------------------------------------------

ASSIGNMENTS_SCHEMA = pl.Schema(
    {"conversation_id": pl.Utf8, "cluster_id": pl.Int32, "node_path": pl.List(pl.Utf8)}
)


class ClusterName(BaseModel):
    """A short title and a two-sentence description, generated from facets only."""

    title: str = Field(min_length=1, max_length=120)  # an empty title from an LLM is re-asked
    description: str = Field(max_length=600)


class HierarchyNode(BaseModel):
    """One node of the (restricted, pre-audit) hierarchy; leaves are base clusters."""

    id: str
    parent_id: str | None
    depth: int
    is_leaf: bool
    title: str
    description: str
    cluster_ids: list[int]  # base clusters under this node
    audit_score: int | None = None  # set by the audit stage (LLM auditor); None on the local backend
    emerging: bool | None = (
        None  # set by taxonomy tracking: mostly conversations no topic of the trailing days fits
    )
    previous_share: float | None = None


class PublicNode(BaseModel):
    id: str
    parent_id: str | None
    depth: int = Field(ge=0)
    is_leaf: bool
    title: str
    description: str
    conversation_count: int = Field(ge=0)
    unique_users: int = Field(ge=0)
    share: float = Field(ge=0.0, le=1.0)
    languages: dict[str, float]
    concerning_mean: float
    audit_score: int | None = None
    emerging: bool | None = None
    previous_share: float | None = None
    custom: dict[str, dict[str, float]] | None = None  # custom facet -> value -> share


class PrivacySummary(BaseModel):
    min_unique_users: int
    min_conversations: int
    dp_epsilon: float | None
    suppressed_clusters: int
    suppressed_conversations: int


class PublicHierarchy(BaseModel):
    """The audited public artefact, ``public/<date>/hierarchy.json``."""

    date: str
    backend: Literal["local", "llm"]
    model: str | None
    privacy: PrivacySummary
    total_conversations: int
    nodes: list[PublicNode]
