"""End to end through Dagster: every asset and check of a partition on the local backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from dagster import DagsterEventType, DagsterInstance

from clio_dagster.config import Settings
from clio_dagster.runner import run_partition
from clio_dagster.schema import PublicHierarchy

pytestmark = pytest.mark.slow


@pytest.fixture
def corpus_env(clio_home, sample_corpus, monkeypatch):
    monkeypatch.setenv("CLIO_INPUT", str(sample_corpus.conversations))
    return Settings()


def _first_date(sample_corpus) -> str:
    from clio_dagster.ingest import discover_dates

    return discover_dates(str(sample_corpus.conversations))[0]


def _public_bytes(settings: Settings, date: str) -> dict[str, bytes]:
    out = settings.public_partition(date)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_partition_end_to_end(corpus_env: Settings, sample_corpus):
    settings = corpus_env
    date = _first_date(sample_corpus)
    instance = DagsterInstance.ephemeral()
    outcome = run_partition(date, instance)
    assert outcome.success, outcome.reason

    public = PublicHierarchy.model_validate_json(
        (settings.public_partition(date) / "hierarchy.json").read_text()
    )
    assert public.date == date and public.backend == "local"
    depths = {n.depth for n in public.nodes}
    assert len(depths) >= 2
    for node in public.nodes:
        assert node.unique_users >= settings.min_unique_users
        assert node.conversation_count >= settings.min_conversations
    titles = [n.title for n in public.nodes]
    assert len(set(titles)) == len(titles)
    leaves = sum(n.conversation_count for n in public.nodes if n.is_leaf)
    tops = sum(n.conversation_count for n in public.nodes if n.parent_id is None)
    assert leaves == tops == public.total_conversations - public.privacy.suppressed_conversations

    restricted = settings.restricted_partition(date)
    facets = pl.read_parquet(restricted / "facets.parquet")
    assignments = pl.read_parquet(restricted / "assignments.parquet")
    assert facets.height == assignments.height == public.total_conversations
    assert {"conversation_id", "user_id", "request", "task", "language", "turns", "concerning"} <= set(
        facets.columns
    )
    assert (restricted / "facets.parquet").stat().st_mode & 0o077 == 0  # owner only
    assert assignments.filter(pl.col("node_path").is_null()).height == public.privacy.suppressed_conversations

    # every check ran and passed
    evaluations = [
        e.dagster_event.event_specific_data
        for e in instance.all_logs(outcome.run_id)
        if e.dagster_event and e.dagster_event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    assert evaluations and all(ev.passed for ev in evaluations)

    # the settings the run resolved are in the UI (the first step's metadata), secrets masked
    [ingested] = [
        e.dagster_event.event_specific_data.materialization
        for e in instance.all_logs(outcome.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        if e.dagster_event.asset_key.to_user_string() == "conversations"
    ]
    shown = ingested.metadata["settings"].value
    assert shown["min_unique_users"] == settings.min_unique_users and shown["input"] == settings.input

    # nothing identifying in public
    public_files = [*settings.public_partition(date).iterdir(), settings.public_dir / "explorer.html"]
    text = "".join(p.read_text() for p in public_files)
    sample_ids = facets["user_id"].to_list()[:200] + facets["conversation_id"].to_list()[:200]
    assert not [i for i in sample_ids if i in text]
    truth = [json.loads(line) for line in sample_corpus.truth.read_text().splitlines()]
    planted = {s for t in truth for s in t["planted"] if len(s) >= 6}
    assert planted and not [s for s in planted if s in text]


def _home_files(home: Path) -> dict[str, bytes]:
    """Every public and restricted file under ``home`` but the step scratch (``_steps``: transient
    step outputs, some with timings), by path relative to the home."""
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and "_steps" not in p.relative_to(home).parts
    }


def test_same_input_gives_byte_identical_outputs_in_a_rerun_and_in_another_process(
    corpus_env: Settings, sample_corpus, tmp_path
):
    """Re-materialising a day keeps its public bytes; another process with another hash seed,
    writing to a fresh home, gets every public and restricted file byte for byte: no set, hash or
    thread order reaches a written row."""
    date = _first_date(sample_corpus)
    assert run_partition(date, DagsterInstance.ephemeral()).success
    first = _home_files(corpus_env.home)
    assert {f"public/{date}/hierarchy.json", f"restricted/{date}/assignments.parquet"} <= set(first)
    assert run_partition(date, DagsterInstance.ephemeral()).success
    assert _public_bytes(corpus_env, date) == {
        name.removeprefix(f"public/{date}/"): data
        for name, data in first.items()
        if name.startswith(f"public/{date}/")
    }

    other = tmp_path / "another-home"
    hash_seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    script = (
        "import sys; from dagster import DagsterInstance; from clio_dagster.runner import run_partition;"
        f"sys.exit(0 if run_partition({date!r}, DagsterInstance.ephemeral()).success else 1)"
    )
    env = {**os.environ, "CLIO_HOME": str(other), "PYTHONHASHSEED": hash_seed}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    second = _home_files(other)
    assert sorted(second) == sorted(first)
    assert [name for name in first if first[name] != second[name]] == []


def test_threshold_violation_blocks_publication(corpus_env: Settings, sample_corpus, monkeypatch):
    """A bug that lets small clusters through is caught by the blocking check; nothing is published."""
    import clio_dagster.assets.naming as naming

    monkeypatch.setattr(naming, "surviving_clusters", lambda sizes, thresholds: sizes["cluster_id"].to_list())
    monkeypatch.setenv("CLIO_CLUSTER_SIZE_TARGET", "5")  # clusters far below 25 users exist
    date = _first_date(sample_corpus)
    outcome = run_partition(date, DagsterInstance.ephemeral())
    assert not outcome.success
    assert "thresholds_on_every_node" in outcome.reason
    assert not (corpus_env.public_partition(date) / "hierarchy.json").exists()


def test_a_day_too_small_to_publish_anything_still_completes(clio_home, tmp_path, monkeypatch):
    """Every node below the thresholds: the day publishes an empty map instead of failing a step."""
    from clio_dagster.sample import generate_sample

    corpus = generate_sample(tmp_path / "tiny", days=1, conversations=20, seed=5, malformed=0)
    monkeypatch.setenv("CLIO_INPUT", str(corpus.conversations))
    date = corpus.dates[0]

    outcome = run_partition(date, DagsterInstance.ephemeral())

    assert outcome.success, outcome.reason
    public = Settings().public_partition(date)
    assert PublicHierarchy.model_validate_json((public / "hierarchy.json").read_text()).nodes == []
    tracked = Settings().restricted_partition(date) / "tracked_hierarchy.json"
    assert json.loads(tracked.read_text()) == []
