"""The trust-and-safety reports through the real daily job over the sample corpus's days, as
plumbing: every day runs; the sample's spam network is found once the trailing days show its
accounts repeating; every day ranks its disagreement over its own nodes; emerging flags are
recorded from the second day, and every day whose surge check fails alerts through the alert
sensor. The figures that matter are measured on real text: ``tests/test_tns_real.py`` and
``tests/test_trends_real.py``."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import polars as pl
import pytest
from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context

from clio_dagster.sensors.alerts import make_alert_sensors

_spec = importlib.util.spec_from_file_location("tns_support", Path(__file__).with_name("tns_support.py"))
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)
_alerts_spec = importlib.util.spec_from_file_location(
    "privacy_alerts", Path(__file__).with_name("test_privacy_alerts.py")
)
alerts_module = importlib.util.module_from_spec(_alerts_spec)
_alerts_spec.loader.exec_module(alerts_module)
Receiver = alerts_module.Receiver

pytestmark = pytest.mark.slow
DAYS, PER_DAY, SEED = 3, 1500, 11  # a seed the thresholds were not tuned on (the demo uses 0)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Three days generated and run through ``clio_daily``; the instance keeps the runs' events."""
    return support.run_sample_days(tmp_path_factory.mktemp("tns"), SEED, days=DAYS, per_day=PER_DAY)


def test_every_day_runs_and_the_network_is_found(run):
    """The sample's network accounts send about two requests a day each, mixing their payloads, so
    no payload word repeats within the first day (nothing is flagged: no false alarm); from the
    second day the trailing days show each account repeating them."""
    assert [o.success for o in run["outcomes"]] == [True] * DAYS, [o.reason for o in run["outcomes"]]
    first, *later = run["dates"]
    assert run["figures"][first]["false_accounts"] == 0
    for date in later:
        day = run["figures"][date]
        assert day["spam_accounts"] >= 20, date
        assert day["precision"] >= 0.9 and day["recall"] >= 0.9, (date, day)


def test_every_day_reports_its_disagreement_over_its_own_nodes(run):
    """Plumbing: each day's restricted disagreement report ranks nodes of that day's hierarchy, most
    suspicious first. How well the rankings surface real misses is measured on real text
    (``bench/results/tns_real.md``), not on the generator."""
    settings = run["settings"]
    for date in run["dates"]:
        report = json.loads((settings.restricted_partition(date) / "disagreement.json").read_text())
        assert -1.0 <= report["pearson"] <= 1.0 and -1.0 <= report["spearman"] <= 1.0
        assignments = pl.read_parquet(settings.restricted_partition(date) / "assignments.parquet")
        nodes = set(assignments["node_path"].explode().drop_nulls().to_list())
        for key in ("false_positive_nodes", "false_negative_nodes"):
            ranked = report[key]
            assert ranked, (date, key)
            assert {item["node_id"] for item in ranked} <= nodes, (date, key)
            assert all(item["conversation_count"] > 0 for item in ranked)


def test_emerging_flags_are_recorded_from_the_second_day(run):
    """Every tracked node carries a flag and every public node its fields; the first day has no
    history, so nothing on it is new. Whether the right topics are flagged is measured on real text."""
    settings = run["settings"]
    first, *later = run["dates"]
    assert run["figures"][first]["emerging_nodes"] == 0
    for date in run["dates"]:
        tracked = json.loads((settings.restricted_partition(date) / "tracked_hierarchy.json").read_text())
        assert all(isinstance(node["emerging"], bool) for node in tracked), date
        public = json.loads((settings.public_partition(date) / "hierarchy.json").read_text())
        assert all("emerging" in node and "previous_share" in node for node in public["nodes"]), date
    for date in later:  # a persisting topic keeps its id, so some nodes have a previous share
        public = json.loads((settings.public_partition(date) / "hierarchy.json").read_text())
        assert any(node["previous_share"] is not None for node in public["nodes"]), date


def _success_context(instance: DagsterInstance, run_id: str):
    event = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_SUCCESS).records[0]
    return build_run_status_sensor_context(
        sensor_name="clio_warn_check_alert",
        dagster_event=event.event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
    )


def test_surge_alerts_are_delivered_by_the_sensor_for_the_days_that_fail_the_check(run):
    instance = run["instance"]
    with Receiver() as receiver:
        sensors = {s.name: s for s in make_alert_sensors(webhook_url=receiver.url, ui_base_url="http://ui")}
        for outcome in run["outcomes"]:
            sensors["clio_warn_check_alert"](_success_context(instance, outcome.run_id))
    surging = [body for body in receiver.bodies if body["check"] == "no_surging_topics"]
    failed = {
        date
        for date, outcome in zip(run["dates"], run["outcomes"], strict=True)
        if any(
            not evaluation.passed
            for evaluation in _check_evaluations(instance, outcome.run_id)
            if evaluation.check_name == "no_surging_topics"
        )
    }
    assert {body["partition"] for body in surging} == failed
    assert len(surging) == len(failed)
    # day 1 has no history: nothing on it can be new or growing
    assert run["dates"][0] not in failed
    run_ids = dict(zip(run["dates"], (o.run_id for o in run["outcomes"]), strict=True))
    for body in surging:
        assert body["severity"] == "warning" and body["asset"] == "tracked_hierarchy"
        assert body["run_url"] == f"http://ui/runs/{run_ids[body['partition']]}"


def _check_evaluations(instance: DagsterInstance, run_id: str) -> list:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
    return [record.event_log_entry.dagster_event.event_specific_data for record in records]
