"""Custom facets end to end: declared in CLIO_CUSTOM_FACETS, through the Dagster job, into the outputs."""

from __future__ import annotations

import json

import polars as pl
import pytest
from dagster import DagsterInstance

from clio_dagster.config import Settings
from clio_dagster.runner import run_partition
from clio_dagster.schema import PublicHierarchy

pytestmark = pytest.mark.slow

CUSTOM = [
    {
        "name": "programming",
        "question": "Is the user asking about programming code, python, javascript or sql?",
        "type": "bool",
    },
    {
        "name": "code_language",
        "question": "Which programming language is the user's code in?",
        "type": "enum",
        "choices": ["python", "javascript", "sql"],
    },
]


def test_custom_facets_reach_facets_and_public_hierarchy(clio_home, sample_corpus, monkeypatch):
    from clio_dagster.ingest import discover_dates

    monkeypatch.setenv("CLIO_INPUT", str(sample_corpus.conversations))
    monkeypatch.setenv("CLIO_CUSTOM_FACETS", json.dumps(CUSTOM))
    settings = Settings()
    assert [c.name for c in settings.custom_facets] == ["programming", "code_language"]
    date = discover_dates(str(sample_corpus.conversations))[0]

    outcome = run_partition(date, DagsterInstance.ephemeral())
    assert outcome.success, outcome.reason

    facets = pl.read_parquet(settings.restricted_partition(date) / "facets.parquet")
    assert facets.schema["programming"] == pl.Boolean
    assert facets.schema["code_language"] == pl.Utf8
    assert facets["programming"].sum() > 0  # the sample has coding conversations
    assert set(facets["code_language"].drop_nulls().unique()) <= {"python", "javascript", "sql"}
    assert facets["code_language"].drop_nulls().len() > 0

    public = PublicHierarchy.model_validate_json(
        (settings.public_partition(date) / "hierarchy.json").read_text()
    )
    assert public.nodes
    true_shares = []
    for node in public.nodes:
        assert node.custom is not None and set(node.custom) == {"programming", "code_language"}
        for shares in node.custom.values():
            assert shares and abs(sum(shares.values()) - 1.0) < 1e-3
            assert all(0.0 <= s <= 1.0 for s in shares.values())
        assert set(node.custom["code_language"]) <= {"python", "javascript", "sql", "other"}
        true_shares.append(node.custom["programming"].get("true", 0.0))
    # the facet separates the map: some nodes are mostly programming, others barely at all
    assert max(true_shares) >= 0.5 and min(true_shares) <= 0.1
