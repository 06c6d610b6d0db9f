"""`clio backfill`, per-asset backfill policies and the llm pool."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterRunStatus, RunsFilter
from dagster._core.definitions.backfill_policy import BackfillPolicyType
from typer.testing import CliRunner

from clio_dagster.backfill import BACKFILL_TAG, date_range
from clio_dagster.cli import app
from clio_dagster.config import Settings
from clio_dagster.definitions import defs
from clio_dagster.runner import instance_for

LLM_STEPS = {"facets", "cluster_names", "hierarchy", "audited_hierarchy"}


def _node(name: str):
    return defs.resolve_asset_graph().get(AssetKey(name))


def test_llm_heavy_steps_share_the_llm_pool_and_nothing_else_does():
    graph = defs.resolve_asset_graph()
    pooled = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).pools == {"llm"}}
    assert pooled == LLM_STEPS


def test_backfill_policies_one_run_per_day_except_the_all_dates_explorer():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        policy = graph.get(key).backfill_policy
        if key.to_user_string() == "explorer":
            assert policy.policy_type == BackfillPolicyType.SINGLE_RUN
        else:
            assert policy.policy_type == BackfillPolicyType.MULTI_RUN and policy.max_partitions_per_run == 1


def test_date_range_is_inclusive_and_refuses_reversed_ranges():
    assert date_range("2026-02-27", "2026-03-01") == ["2026-02-27", "2026-02-28", "2026-03-01"]
    with pytest.raises(ValueError, match="before"):
        date_range("2026-03-01", "2026-02-27")


@pytest.fixture
def small_corpus(clio_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four days of 400 conversations; thresholds lowered to suit that size."""
    from datetime import date

    from clio_dagster.sample import generate_sample

    files = generate_sample(tmp_path / "in", days=4, conversations=400, seed=3, start=date(2026, 11, 1))
    monkeypatch.setenv("CLIO_INPUT", str(files.conversations))  # restored after the test
    monkeypatch.setenv("CLIO_MIN_UNIQUE_USERS", "5")
    monkeypatch.setenv("CLIO_MIN_CONVERSATIONS", "5")
    return files.conversations


def _backfill(home: Path, corpus: Path, start: str, end: str):
    args = ["backfill", "--start", start, "--end", end, "--home", str(home), "--input", str(corpus)]
    return CliRunner().invoke(app, [*args, "--executor", "in_process"])


@pytest.mark.slow
def test_backfill_over_three_days_materialises_exactly_those_partitions(clio_home: Path, small_corpus: Path):
    days = ["2026-11-01", "2026-11-02", "2026-11-03"]  # the corpus also has 2026-11-04
    result = _backfill(clio_home, small_corpus, days[0], days[-1])
    assert result.exit_code == 0, result.output
    assert "3 of 3 partitions materialised" in result.output

    instance = instance_for(Settings())
    for key in defs.resolve_asset_graph().get_all_asset_keys():
        assert instance.get_materialized_partitions(key) == set(days), key.to_user_string()
        # every asset reports its time and memory
        [latest] = instance.fetch_materializations(key, limit=1).records
        metadata = latest.asset_materialization.metadata
        assert metadata["step_seconds"].value >= 0 and metadata["rss_peak_mb"].value > 0, key
    runs = instance.get_run_records(RunsFilter(job_name="clio_daily"))
    assert sorted(r.dagster_run.tags["dagster/partition"] for r in runs) == days
    assert {r.dagster_run.status for r in runs} == {DagsterRunStatus.SUCCESS}
    assert len({r.dagster_run.tags[BACKFILL_TAG] for r in runs}) == 1  # one backfill id
    assert sorted(p.name for p in (clio_home / "public").iterdir() if p.is_dir()) == days

    # the explorer (single-run policy) takes a partition range from the plain Dagster CLI
    env = {**os.environ, "DAGSTER_HOME": str(clio_home / "dagster")}
    materialize = [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "clio_dagster.definitions"]
    done = subprocess.run(
        [*materialize, "--select", "explorer", "--partition-range", f"{days[0]}...{days[-1]}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_day_without_data_fails_loudly(clio_home: Path, small_corpus: Path):
    result = _backfill(clio_home, small_corpus, "2026-12-01", "2026-12-01")
    assert result.exit_code == 1
    assert "no valid conversations for 2026-12-01" in result.output
    assert "0 of 1 partitions materialised" in result.output
    assert instance_for(Settings()).get_materialized_partitions(AssetKey("conversations")) == set()


def test_backfill_needs_an_input(clio_home: Path):
    result = CliRunner().invoke(app, ["backfill", "--start", "2026-11-01", "--end", "2026-11-02"])
    assert result.exit_code == 1 and "no input" in result.output
