"""Cheap daily runs: a day assigned to the latest rebuilt taxonomy (nearest base-cluster centroid,
an unassigned bucket) keeps the taxonomy's ids and names, makes no naming or hierarchy call, and
publishes under the same privacy thresholds; ``auto`` rebuilds when no taxonomy exists."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from dagster import DagsterInstance
from env_support import use_clio_env

from clio_dagster.config import Settings
from clio_dagster.core.taxonomy.reuse import (
    TAXONOMY_TAG,
    StoredTaxonomy,
    TaxonomyMissingError,
    TaxonomyPlan,
    plan_taxonomy,
    read_plan,
    report_paragraph,
    reused_hierarchy,
    save_taxonomy,
    unassigned_node_id,
)
from clio_dagster.core.taxonomy.trends import SNAPSHOT_SCHEMA, TrendParams, track_nodes
from clio_dagster.runner import run_partition
from clio_dagster.schema import HierarchyNode
from clio_dagster.sensors.daily import weekly_rebuild_due

DAYS, PER_DAY, SEED = 2, 800, 11


def _node(id: str, parent: str | None, depth: int, clusters: list[int], leaf: bool) -> HierarchyNode:
    return HierarchyNode(
        id=id, parent_id=parent, depth=depth, is_leaf=leaf, title=id, description=id, cluster_ids=clusters
    )


TREE = [
    _node("a", None, 0, [0, 1], False),
    _node("b", None, 0, [2], False),
    _node("a0", "a", 1, [0], True),
    _node("a1", "a", 1, [1], True),
    _node("b2", "b", 1, [2], True),
]


def _store(restricted: Path, date: str) -> None:
    save_taxonomy(restricted, date, np.eye(3, 4, dtype=np.float32), TREE)


def test_auto_rebuilds_without_a_taxonomy_and_assign_refuses(tmp_path: Path):
    plan = plan_taxonomy("auto", tmp_path, "2026-11-02", max_age_days=7)
    assert plan.mode == "rebuild" and plan.taxonomy_date == "2026-11-02"
    with pytest.raises(TaxonomyMissingError, match="--rebuild"):
        plan_taxonomy("assign", tmp_path, "2026-11-02", max_age_days=7)


def test_auto_assigns_to_a_recent_taxonomy_only(tmp_path: Path):
    _store(tmp_path, "2026-11-01")
    _store(tmp_path, "2026-11-05")
    recent = plan_taxonomy("auto", tmp_path, "2026-11-09", max_age_days=7)
    assert (recent.mode, recent.taxonomy_date, recent.unassigned_cluster_id) == ("assign", "2026-11-05", 3)
    assert plan_taxonomy("auto", tmp_path, "2026-11-13", max_age_days=7).mode == "rebuild"
    # assign takes the latest taxonomy whatever its age; one stored on the day itself does not count
    assert plan_taxonomy("assign", tmp_path, "2026-11-30", max_age_days=7).taxonomy_date == "2026-11-05"
    assert plan_taxonomy("auto", tmp_path, "2026-11-05", max_age_days=7).taxonomy_date == "2026-11-01"


def test_reused_hierarchy_keeps_only_clusters_named_today():
    taxonomy = StoredTaxonomy("2026-11-01", np.eye(3, 4, dtype=np.float32), TREE)
    nodes = {n.id: n for n in reused_hierarchy(taxonomy, {1, 3})}  # 0 and 2 fail today; 3 is unassigned
    assert set(nodes) == {"a", "a1", unassigned_node_id("2026-11-01")}
    assert nodes["a"].cluster_ids == [1] and nodes["a1"].parent_id == "a"
    bucket = nodes[unassigned_node_id("2026-11-01")]
    assert bucket.is_leaf and bucket.depth == 0 and bucket.cluster_ids == [3]
    assert unassigned_node_id("2026-11-01") not in {n.id for n in reused_hierarchy(taxonomy, {0})}


def test_keep_ids_keeps_the_taxonomy_ids_where_matching_would_rename():
    history = pl.DataFrame(
        {
            "date": ["2026-11-01"],
            "node_id": ["n0-0000@2026-11-01"],
            "depth": [0],
            "share": [1.0],
            "concerning_mean": [1.0],
            "centroid": [[1.0, 0.0]],
            "member_floor": [None],
        },
        schema=SNAPSHOT_SCHEMA,
    )
    nodes = pl.DataFrame(
        {
            "node_id": ["n0-0000@2026-11-01"],
            "depth": [0],
            "share": [1.0],
            "concerning_mean": [1.0],
            "novel_share": [0.0],
            "novel_sampled": [10],
        }
    )
    drifted = np.array([[0.6, 0.8]], dtype=np.float32)  # cosine 0.6: below the matching bar
    matched = track_nodes("2026-11-02", nodes, drifted, history)
    assert matched["stable_id"][0] == "n0-0000@2026-11-01@2026-11-02"
    kept = track_nodes("2026-11-02", nodes, drifted, history, TrendParams(keep_ids=True))
    assert kept["stable_id"][0] == "n0-0000@2026-11-01"
    assert kept["matched_similarity"][0] == pytest.approx(0.6)


def test_report_gives_the_unassigned_count_only_when_counts_are_exact():
    plan = TaxonomyPlan("assign", "2026-11-01", "auto", 13, 120)
    exact = report_paragraph(plan, 1000, exact_counts=True)
    assert "rebuilt on 2026-11-01" in exact and "120 conversations (12.0%)" in exact
    assert "120" not in report_paragraph(plan, 1000, exact_counts=False)


def test_weekly_rebuild_only_when_the_mode_may_assign():
    monday, tuesday = "2026-11-30", "2026-12-01"
    assert weekly_rebuild_due(Settings(taxonomy_mode="assign"), monday)
    assert weekly_rebuild_due(Settings(taxonomy_mode="auto"), monday)
    assert not weekly_rebuild_due(Settings(taxonomy_mode="assign"), tuesday)
    assert not weekly_rebuild_due(Settings(taxonomy_mode="rebuild"), monday)
    assert not weekly_rebuild_due(Settings(taxonomy_mode="assign", taxonomy_rebuild_weekday="never"), monday)


@pytest.mark.parametrize(("mode", "tagged"), [("auto", True), ("rebuild", False)])
def test_schedule_tags_the_weekly_rebuild(mode: str, tagged: bool, clio_home, monkeypatch):
    from datetime import UTC, datetime

    from dagster import build_schedule_context

    from clio_dagster.definitions import defs

    monkeypatch.setenv("CLIO_TAXONOMY_MODE", mode)
    schedule = defs.get_schedule_def("clio_daily_schedule")
    requests = {}
    with DagsterInstance.ephemeral() as instance:
        for tick in (datetime(2026, 12, 1, 1, tzinfo=UTC), datetime(2026, 12, 2, 1, tzinfo=UTC)):
            context = build_schedule_context(
                instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def()
            )
            [request] = schedule.evaluate_tick(context).run_requests
            requests[request.partition_key] = request.tags.get(TAXONOMY_TAG)
    # 2026-11-30 is a Monday, the default rebuild weekday; the next day follows the mode
    assert requests == {"2026-11-30": "rebuild" if tagged else None, "2026-12-01": None}


class CallCounter:
    """Counts the naming and hierarchy-building calls made while a partition runs (local backend)."""

    def __init__(self, patch: pytest.MonkeyPatch) -> None:
        import clio_dagster.assets.hierarchy as hierarchy_asset
        from clio_dagster.core.taxonomy.naming import LocalClusterNamer

        self.calls = {"name_clusters": 0, "build_hierarchy": 0}
        for owner, name in ((LocalClusterNamer, "name_clusters"), (hierarchy_asset, "build_hierarchy")):
            patch.setattr(owner, name, self._counting(name, getattr(owner, name)))

    def _counting(self, name: str, fn):
        def counted(*args, **kwargs):
            self.calls[name] += 1
            return fn(*args, **kwargs)

        return counted

    def take(self) -> dict[str, int]:
        calls, self.calls = self.calls, dict.fromkeys(self.calls, 0)
        return calls


@pytest.mark.slow
class TestRebuildThenAssign:
    """Day 1 under ``auto`` (no taxonomy yet: rebuild), day 2 under ``assign``, through clio_daily."""

    @pytest.fixture(scope="class")
    def run(self, tmp_path_factory):
        from clio_dagster.ingest import discover_dates
        from clio_dagster.sample import generate_sample

        home = tmp_path_factory.mktemp("assign")
        files = generate_sample(home / "sample", days=DAYS, conversations=PER_DAY, seed=SEED, malformed=0)
        env = {
            "CLIO_HOME": str(home / "clio"),
            "CLIO_INPUT": str(files.conversations),
            # 800 a day is small: the default 25-user bar would suppress most nodes
            "CLIO_MIN_UNIQUE_USERS": "10",
            "CLIO_MIN_CONVERSATIONS": "10",
        }
        with pytest.MonkeyPatch.context() as patch:
            use_clio_env(patch, env)
            counter = CallCounter(patch)
            instance = DagsterInstance.ephemeral()
            first, second = discover_dates(str(files.conversations))
            outcomes, calls, seconds, public, reports = {}, {}, {}, {}, {}
            for date, mode in ((first, "auto"), (second, "assign")):
                patch.setenv("CLIO_TAXONOMY_MODE", mode)
                started = time.perf_counter()
                outcomes[date] = run_partition(date, instance)
                seconds[date] = time.perf_counter() - started
                calls[date] = counter.take()
                settings = Settings()
                public[date] = json.loads((settings.public_partition(date) / "hierarchy.json").read_text())
                reports[date] = (settings.public_partition(date) / "report.md").read_text()
            # what the assign day wrote to the restricted zone, before the override below replaces it
            restricted = settings.restricted_partition(second)
            assigned = {
                "plan": read_plan(settings.restricted_dir, second),
                "base": pl.read_parquet(restricted / "base_clusters.parquet"),
                "users": pl.read_parquet(restricted / "conversations.parquet").select(
                    "conversation_id", "user_id"
                ),
                "hierarchy": json.loads((restricted / "hierarchy.json").read_text()),
                "tracked": json.loads((restricted / "tracked_hierarchy.json").read_text()),
            }
            # the on-demand override: a run tagged rebuild rebuilds although the mode says assign
            override = run_partition(second, instance, tags={TAXONOMY_TAG: "rebuild"})
            override_calls = counter.take()
        print(f"\nwall seconds (not asserted): rebuild {seconds[first]:.1f}, assign {seconds[second]:.1f}")
        return {
            "dates": (first, second),
            "outcomes": outcomes,
            "calls": calls,
            "public": public,
            "reports": reports,
            "settings": settings,
            "assigned": assigned,
            "override": override,
            "override_calls": override_calls,
        }

    def test_both_days_publish(self, run):
        assert all(o.success for o in run["outcomes"].values()), [o.reason for o in run["outcomes"].values()]

    def test_auto_picks_rebuild_when_no_taxonomy_exists(self, run):
        first, second = run["dates"]
        day1, day2 = run["outcomes"][first].metadata, run["outcomes"][second].metadata
        assert (day1["taxonomy_mode"], day1["taxonomy_date"]) == ("rebuild", first)
        assert "no rebuilt taxonomy" in day1["taxonomy_reason"]
        assert (day2["taxonomy_mode"], day2["taxonomy_date"]) == ("assign", first)

    def test_assign_day_keeps_the_taxonomy_ids_and_names(self, run):
        first, second = run["dates"]
        before = {n["id"]: n for n in run["public"][first]["nodes"]}
        after = [n for n in run["public"][second]["nodes"] if n["id"] != unassigned_node_id(first)]
        assert len(after) >= 0.8 * len(before)
        assert {n["id"] for n in after} <= set(before)
        for node in after:
            old = before[node["id"]]
            assert (node["parent_id"], node["depth"], node["is_leaf"]) == (
                old["parent_id"],
                old["depth"],
                old["is_leaf"],
            )
        # the hierarchy step hands on the taxonomy's names unchanged; today's screening may still
        # redact a word that too few users wrote today (it is never loosened), but adds none
        for node in run["assigned"]["hierarchy"]:
            if node["id"] in before:
                assert node["title"] == before[node["id"]]["title"]
        for node in after:
            assert set(node["title"].replace(",", " ").split()) <= set(
                before[node["id"]]["title"].replace(",", " ").split()
            )
        assert sum(n["title"] == before[n["id"]]["title"] for n in after) >= 0.8 * len(after)

    def test_counts_are_todays_and_pass_the_thresholds(self, run):
        second = run["dates"][1]
        day2, base = run["public"][second], run["assigned"]["base"]
        assert base.height == day2["total_conversations"] == PER_DAY
        clusters = {n["id"]: n["cluster_ids"] for n in run["assigned"]["tracked"]}
        for node in day2["nodes"]:
            assert node["unique_users"] >= 10 and node["conversation_count"] >= 10
            members = base.filter(pl.col("cluster_id").is_in(clusters[node["id"]]))
            assert node["conversation_count"] == members.height

    def test_unassigned_bucket_is_counted_and_published_only_when_it_passes(self, run):
        """Plumbing: the bucket's count, its node and the report agree. How much of a new topic the
        bucket catches is measured on real text (``tests/test_trends_real.py``)."""
        first, second = run["dates"]
        plan, base = run["assigned"]["plan"], run["assigned"]["base"]
        bucket_rows = base.filter(pl.col("cluster_id") == plan.unassigned_cluster_id)
        metadata = run["outcomes"][second].metadata
        assert metadata["unassigned_conversations"] == bucket_rows.height > 0
        users = bucket_rows.join(run["assigned"]["users"], on="conversation_id")["user_id"].n_unique()
        passes = bucket_rows.height >= 10 and users >= 10
        bucket = [n for n in run["public"][second]["nodes"] if n["id"] == unassigned_node_id(first)]
        assert bool(bucket) == passes
        if bucket:
            assert bucket[0]["conversation_count"] == bucket_rows.height
        report = run["reports"][second]
        assert f"assigned to the taxonomy rebuilt on {first}" in report
        assert f"{metadata['unassigned_conversations']:,} conversations" in report
        assert "Taxonomy: rebuilt from this day's conversations." in run["reports"][first]

    def test_no_naming_or_hierarchy_call_in_assign_mode(self, run):
        first, second = run["dates"]
        assert run["calls"][first]["name_clusters"] >= 1 and run["calls"][first]["build_hierarchy"] == 1
        assert run["calls"][second] == {"name_clusters": 0, "build_hierarchy": 0}

    def test_rebuild_tag_overrides_the_mode(self, run):
        second = run["dates"][1]
        assert run["override"].success and run["override"].metadata["taxonomy_mode"] == "rebuild"
        assert run["override_calls"]["build_hierarchy"] == 1
        assert (run["settings"].restricted_partition(second) / "taxonomy" / "nodes.json").exists()


@pytest.mark.slow
def test_assign_day_makes_no_naming_or_hierarchy_request_on_the_llm_backend(tmp_path, clio_home, monkeypatch):
    """Through the real anthropic client against the protocol server; each role has its own model
    name, so the server's log says which step asked."""
    import llm_support

    from clio_dagster.ingest import discover_dates
    from clio_dagster.sample import generate_sample

    files = generate_sample(tmp_path / "sample", days=2, conversations=300, seed=3, malformed=0)
    roles = {
        "naming": "claude-naming-test",
        "hierarchy": "claude-hierarchy-test",
        "audit": "claude-audit-test",
    }
    with llm_support.ProtocolServer() as server:
        for name, value in {
            "CLIO_INPUT": str(files.conversations),
            "CLIO_LLM_BACKEND": "anthropic",
            "CLIO_LLM_MODEL": llm_support.MODELS["anthropic"],
            "CLIO_LLM_API_BASE": server.url,
            "CLIO_MIN_UNIQUE_USERS": "10",
            "CLIO_MIN_CONVERSATIONS": "10",
            "CLIO_TAXONOMY_MODE": "auto",
            "ANTHROPIC_API_KEY": "test-key",
            **{f"CLIO_LLM_MODEL_{role.upper()}": model for role, model in roles.items()},
        }.items():
            monkeypatch.setenv(name, value)
        instance = DagsterInstance.ephemeral()
        requests = {}
        for date in discover_dates(str(files.conversations)):
            server.reset()
            outcome = run_partition(date, instance)
            assert outcome.success, outcome.reason
            models = [r.model for r in server.requests]
            requests[outcome.metadata["taxonomy_mode"]] = {role: models.count(m) for role, m in roles.items()}
    assert requests["rebuild"]["naming"] >= 1 and requests["rebuild"]["hierarchy"] >= 1
    assert requests["assign"]["naming"] == requests["assign"]["hierarchy"] == 0
    assert requests["assign"]["audit"] >= 1  # every public text is still audited


@pytest.mark.slow
def test_clio_run_rebuild_then_assign(tmp_path, clio_home, monkeypatch):
    """`clio run --taxonomy-mode assign --rebuild`: the first date rebuilds, the next is assigned to it."""
    from typer.testing import CliRunner

    from clio_dagster.cli import app
    from clio_dagster.sample import generate_sample

    files = generate_sample(tmp_path / "sample", days=2, conversations=300, seed=5, malformed=0)
    # the CLI writes its flags to os.environ: register them here so they are undone after the test
    for name in ("CLIO_INPUT", "CLIO_TAXONOMY_MODE", "CLIO_MIN_UNIQUE_USERS", "CLIO_MIN_CONVERSATIONS"):
        monkeypatch.setenv(name, "")
    first, second = files.dates
    flags = ["--min-users", "10", "--min-conversations", "10", "--taxonomy-mode", "assign", "--rebuild"]
    result = CliRunner().invoke(app, ["run", "--input", str(files.conversations), *flags])
    assert result.exit_code == 0, result.output
    lines = {line.split(":")[0]: line for line in " ".join(result.output.split()).split("✓ ")}
    assert f"taxonomy rebuild ({first})" in lines[first]
    assert f"taxonomy assign ({first})" in lines[second]

    bad = CliRunner().invoke(app, ["run", "--input", str(files.conversations), "--taxonomy-mode", "never"])
    assert bad.exit_code == 1 and "--taxonomy-mode" in bad.output
