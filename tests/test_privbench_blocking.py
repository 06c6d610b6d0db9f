"""Each blocking privacy check stops publication through Dagster (the thresholds one is in
test_pipeline.py): a stage is patched to leak, the run fails on that check, nothing is written
under public/<date>/, and the check's pure function flags the stored candidate output."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl
import pytest

import clio_dagster.assets.audit as audit_asset
import clio_dagster.assets.publish as publish_asset
from clio_dagster.config import Settings
from clio_dagster.core.local_backends import local_backends
from clio_dagster.core.privacy.gate import Evidence, PublicationRules, verify_public_files
from clio_dagster.core.privacy.pii import scan_texts
from clio_dagster.core.taxonomy.report import render_report
from clio_dagster.resources.llm import LLMResource
from clio_dagster.schema import PublicHierarchy, PublicNode

_spec = importlib.util.spec_from_file_location(
    "privbench_support", Path(__file__).with_name("privbench_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

pytestmark = pytest.mark.slow

LEAKED_EMAIL = "jolanda.brisk@example.net"


@pytest.fixture
def corpus_env(clio_home, sample_corpus, monkeypatch) -> Settings:
    monkeypatch.setenv("CLIO_INPUT", str(sample_corpus.conversations))
    return Settings()


def _leak_into_first_node(monkeypatch, edit: Callable[[PublicNode, pl.DataFrame], dict]) -> None:
    """Make ``candidate_hierarchy`` publish ``edit``'s changes to its first node, after screening."""
    real = publish_asset.node_statistics

    def leaking(nodes, facets, base, **kwargs) -> list[PublicNode]:
        public = real(nodes, facets, base, **kwargs)
        return [public[0].model_copy(update=edit(public[0], facets)), *public[1:]]

    monkeypatch.setattr(publish_asset, "node_statistics", leaking)


def _assert_blocked(settings: Settings, date: str, check: str) -> PublicHierarchy:
    """The run failed on ``check`` alone, nothing was published, and the candidate is returned."""
    outcome, checks = support.run(date)
    assert not outcome.success
    assert checks[check] is False, checks
    assert all(passed for name, passed in checks.items() if name != check), checks
    assert check in outcome.reason
    assert not (settings.public_partition(date) / "hierarchy.json").exists()
    assert not (settings.public_dir / "explorer.html").exists()
    candidate = settings.restricted_partition(date) / "candidate_hierarchy.json"
    return PublicHierarchy.model_validate_json(candidate.read_text())


def gate_violations(candidate: PublicHierarchy, check: str, evidence: Evidence | None = None) -> list:
    """What the gate's ``check`` finds in the candidate's hierarchy.json and report.md."""
    files = {
        f"{candidate.date}/hierarchy.json": candidate.model_dump_json().encode(),
        f"{candidate.date}/report.md": render_report(candidate).encode(),
    }
    rules = PublicationRules(candidate.privacy.min_unique_users, candidate.privacy.min_conversations)
    return verify_public_files(
        files, rules=rules, evidence=evidence or Evidence(), scanner=scan_texts, checks={check}
    )


def test_pii_in_a_title_blocks_publication(corpus_env: Settings, sample_corpus, monkeypatch):
    _leak_into_first_node(monkeypatch, lambda node, _: {"title": f"{node.title} · {LEAKED_EMAIL}"})
    date = support.first_date(sample_corpus)
    candidate = _assert_blocked(corpus_env, date, "no_pii_in_public_text")
    violations = gate_violations(candidate, "pii")
    title = f"EMAIL_ADDRESS in {date}/hierarchy.json title"
    assert (candidate.nodes[0].id, title) in {(v.node_id, v.reason) for v in violations}
    assert {v.node_id for v in violations} <= {candidate.nodes[0].id, None}  # None: the report's lines


def _frequent_raw_sentence(settings: Settings, date: str) -> str:
    """A user message of 10+ words that many conversations of the day share (so no PII in it)."""
    conversations = pl.read_parquet(settings.restricted_partition(date) / "conversations.parquet")
    messages = (
        conversations.select(pl.col("messages").explode().struct.field("content"))
        .filter(pl.col("content").str.split(" ").list.len() >= 10)
        .group_by("content")
        .len()
        .sort(["len", "content"], descending=[True, False])
    )
    return messages["content"][0]


def test_verbatim_text_in_a_description_blocks_publication(corpus_env: Settings, sample_corpus, monkeypatch):
    date = support.first_date(sample_corpus)
    leaked: list[str] = []

    def edit(node: PublicNode, _: pl.DataFrame) -> dict:
        leaked.append(_frequent_raw_sentence(corpus_env, date))
        return {"description": f"Users ask: {leaked[0]}"}

    _leak_into_first_node(monkeypatch, edit)
    candidate = _assert_blocked(corpus_env, date, "no_verbatim_text")
    assert leaked[0] in candidate.nodes[0].description
    violations = gate_violations(candidate, "verbatim", Evidence(raw_texts=lambda: [leaked[0]]))
    assert candidate.nodes[0].id in {v.node_id for v in violations}


def test_a_user_id_in_a_description_blocks_publication(corpus_env: Settings, sample_corpus, monkeypatch):
    leaked: list[str] = []

    def edit(node: PublicNode, facets: pl.DataFrame) -> dict:
        leaked.append(facets["user_id"].sort()[0])
        return {"description": f"{node.description} Most active account: {leaked[0]}."}

    _leak_into_first_node(monkeypatch, edit)
    date = support.first_date(sample_corpus)
    candidate = _assert_blocked(corpus_env, date, "no_identifiers")
    violations = gate_violations(candidate, "ids", Evidence(identifiers=frozenset(leaked)))
    assert (candidate.nodes[0].id, f"IDENTIFIER in {date}/hierarchy.json description") in {
        (v.node_id, v.reason) for v in violations
    }


class _LowScoreForOneNode:
    """A fake LLM auditor: 2 for every text carrying the title of the last node of the first
    batch (a leaf), 5 otherwise; it records what it scored."""

    def __init__(self) -> None:
        self.bad_title: str | None = None
        self.calls: list[int] = []
        self.first_batch_titles: list[str] = []

    def audit(self, texts: Sequence[str]) -> list[int | None]:
        if self.bad_title is None:
            self.first_batch_titles = [text.split("\n")[0] for text in texts]
            self.bad_title = self.first_batch_titles[-1]
        self.calls.append(len(texts))
        return [2 if text.split("\n")[0] == self.bad_title else 5 for text in texts]


def test_a_low_audit_score_is_withheld_at_screening(corpus_env: Settings, sample_corpus, monkeypatch):
    auditor = _LowScoreForOneNode()

    def backends(self, settings=None):
        from dataclasses import replace

        return replace(local_backends(self.settings(settings)), auditor=auditor)

    monkeypatch.setattr(LLMResource, "backends", backends)
    date = support.first_date(sample_corpus)
    outcome, checks = support.run(date)
    assert outcome.success, outcome.reason
    assert checks["audit_scores_pass"] is True
    # each node carrying that title (a leaf and its single-child parents) was regenerated once
    failing = auditor.first_batch_titles.count(auditor.bad_title)
    assert failing >= 1 and auditor.calls[1:] == [failing]  # the regenerations, judged in one batch
    public = support.published(corpus_env, date)
    assert auditor.bad_title not in {n.title for n in public.nodes}  # then withheld
    assert public.nodes and all(n.audit_score == 5 for n in public.nodes)


def test_a_low_audit_score_forced_past_screening_blocks_publication(
    corpus_env: Settings, sample_corpus, monkeypatch
):
    real = audit_asset.screen_hierarchy

    def lenient(nodes, **kwargs):
        result = real(nodes, **kwargs)
        result.nodes[-1] = result.nodes[-1].model_copy(update={"audit_score": 2})
        return result

    monkeypatch.setattr(audit_asset, "screen_hierarchy", lenient)
    date = support.first_date(sample_corpus)
    candidate = _assert_blocked(corpus_env, date, "audit_scores_pass")
    violations = gate_violations(candidate, "audit_scores")
    assert [v.node_id for v in violations] == [candidate.nodes[-1].id]
