"""A crafted CLIO_HOME for the `clio serve` route tests, with planted strings that must never leak."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

DAY = "2026-11-01"
RAW_TEXT = "RAW-CONVERSATION-please-never-serve-this"
CONVERSATION_ID = "conv-PLANTED-7f3a"
ACCOUNT_IDS = ["u_PLANTED_a1", "u_PLANTED_b2", "u_PLANTED_c3"]
PASSWORDS = {"vera": "viewer-password-1", "tina": "trust-safety-pw-1", "ada": "admin-password-123"}
ROLES = {"vera": "viewer", "tina": "trust_safety", "ada": "admin"}
# What no refusal, and no public route, may ever contain.
SECRETS = [RAW_TEXT, CONVERSATION_ID, *ACCOUNT_IDS, "root:x:0:0"]


def _nodes() -> list[dict]:
    def node(node_id, parent, depth, title, count):
        return {
            "id": node_id,
            "parent_id": parent,
            "depth": depth,
            "is_leaf": depth == 1,
            "title": title,
            "description": f"{title}, in two sentences. Nothing private.",
            "conversation_count": count,
            "unique_users": count - 10,
            "share": count / 400,
            "languages": {"en": 0.8, "fr": 0.2},
            "concerning_mean": 1.4,
            "audit_score": None,
        }

    return [
        node(f"n0-0000@{DAY}", None, 0, "Write and fix code", 240),
        node(f"n1-0000@{DAY}", f"n0-0000@{DAY}", 1, "Debug Python errors", 140),
        node(f"n1-0001@{DAY}", f"n0-0000@{DAY}", 1, "Write SQL queries", 100),
        node(f"n0-0001@{DAY}", None, 0, "Plan travel", 160),
        node(f"n1-0002@{DAY}", f"n0-0001@{DAY}", 1, "Build city itineraries", 160),
    ]


def _ranked(node_id: str, flag_rate: float, concern: float) -> dict:
    return {"node_id": node_id, "flag_rate": flag_rate, "concerning_mean": concern, "conversation_count": 100}


def make_home(home: Path) -> Path:
    """Public and restricted outputs for one day, in the layout `clio demo` writes."""
    public, restricted = home / "public" / DAY, home / "restricted" / DAY
    public.mkdir(parents=True)
    restricted.mkdir(parents=True)
    hierarchy = {
        "date": DAY,
        "backend": "local",
        "model": None,
        "privacy": {"min_unique_users": 25, "min_conversations": 25, "dp_epsilon": None},
        "total_conversations": 400,
        "nodes": _nodes(),
    }
    (public / "hierarchy.json").write_text(json.dumps(hierarchy))
    (public / "report.md").write_text("# Report\n\nWrite and fix code leads the day.\n")
    disagreement = {
        "pearson": 0.61,
        "spearman": 0.55,
        "false_positive_nodes": [_ranked(f"n1-0002@{DAY}", 0.7, 1.0)],
        "false_negative_nodes": [_ranked(f"n1-0000@{DAY}", 0.05, 3.9)],
    }
    (public / "disagreement.json").write_text(json.dumps(disagreement))
    (public / "languages.json").write_text(json.dumps({"most_specific": []}))
    (home / "public" / "explorer.html").write_text(
        "<!doctype html><html><body><h1 id='explorer'>Explorer</h1></body></html>"
    )
    (restricted / "disagreement.json").write_text(json.dumps({**disagreement, "moderated_count": 400}))
    seen = datetime(2026, 11, 1, 11, tzinfo=UTC)
    pl.DataFrame(
        {
            "group_id": [0, 0, 0],
            "user_id": ACCOUNT_IDS,
            "conversation_count": [3, 2, 2],
            "total_conversations": [3, 2, 2],
            "active_days": [2, 1, 1],
            "first_seen": [seen] * 3,
            "last_seen": [seen] * 3,
            "group_accounts": [3] * 3,
            "group_conversations": [7] * 3,
            "payload_words": ["refund-portal.example"] * 3,
            "template_words": ["refund order urgent"] * 3,
            "hour_histogram": [[0] * 11 + [7] + [0] * 12] * 3,
            "peak_hour_share": [1.0] * 3,
            "burstiness": [0.4] * 3,
        },
        schema_overrides={"group_id": pl.Int32, "hour_histogram": pl.List(pl.Int32)},
    ).write_parquet(restricted / "coordinated.parquet")
    pl.DataFrame(
        {
            "node_id": [f"n1-0000@{DAY}", f"n1-0002@{DAY}"],
            "language": ["fr", "fr"],
            "conversation_count": [60, 2],
            "language_conversations": [80, 80],
            "node_conversations": [140, 160],
            "share_in_language": [0.75, 0.025],
            "share_overall": [0.35, 0.4],
            "ratio": [2.14, 0.06],
            "ci_low": [1.8, 0.01],
            "ci_high": [2.5, 0.2],
            "unique_users": [50, 2],
        }
    ).write_parquet(restricted / "language_rates.parquet")
    pl.DataFrame(
        {
            "conversation_id": [CONVERSATION_ID],
            "stage": ["facets"],
            "error": ["invalid JSON after 3 attempts\nthe reply quoted the user"],
            "attempts": [3],
        },
        schema_overrides={"attempts": pl.Int32},
    ).write_parquet(restricted / "facet_failures.parquet")
    pl.DataFrame(
        {"conversation_id": [CONVERSATION_ID], "user_id": [ACCOUNT_IDS[0]], "request": [RAW_TEXT]}
    ).write_parquet(restricted / "facets.parquet")
    (restricted / "conversations.jsonl").write_text(json.dumps({"text": RAW_TEXT}) + "\n")
    return home
