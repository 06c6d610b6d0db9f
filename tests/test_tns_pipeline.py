"""The trust-and-safety reports through the real daily job over the sample corpus's days: the
planted spam network is found, the planted disagreement groups lead their rankings, the new topic
is flagged emerging on its day only, and its alert reaches a webhook through the alert sensor."""

from __future__ import annotations

import importlib.util
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
    assert [o.success for o in run["outcomes"]] == [True] * DAYS, [o.reason for o in run["outcomes"]]
    for date, day in run["figures"].items():
        assert day["spam_accounts"] >= 20, date
        assert day["precision"] >= 0.9 and day["recall"] >= 0.9, (date, day)


def test_planted_groups_lead_their_rankings(run):
    """Each ranking is led by the node that best matches a planted topic of its group (see
    ``tns_support.group_ranks``) and that node holds a real part of the group; the false-negative
    node is also mostly the group (``fn_led``): a reviewer opening it sees the planted harmful
    translations, not benign translation."""
    for date, day in run["figures"].items():
        assert day["fp_rank"] == 0, (date, day)
        assert day["fp_top"]["recall"] >= 0.3, (date, day)


@pytest.mark.xfail(
    strict=True,
    reason="since concern comes from the learned model (issue 15), the sample's security-scripting "
    "requests score concerning too: on 2026-11-01 the top false-negative node is not mostly the "
    "planted group, on 2026-11-02 the group's node ranks 5th and holds 16 % of it; not investigated yet",
)
def test_false_negative_ranking_is_led_by_the_planted_group(run):
    for date, day in run["figures"].items():
        assert day["fn_rank"] == 0, (date, day)
        assert day["fn_top"]["recall"] >= 0.3, (date, day)
        assert day["fn_led"], (date, day)


@pytest.mark.xfail(
    strict=True,
    reason="day 3: RPG combat stats share a leaf with role-play stories (first node precision 0.21 "
    "with k-means alone, 0.18 with smoothing and merging); see bench/results/tnsrank.md, 'harm labels'",
)
def test_false_positive_ranking_is_led_by_a_mostly_planted_node(run):
    for date, day in run["figures"].items():
        assert day["fp_led"], (date, day)


def _group_concern_and_flags(run) -> dict:
    settings, truth = run["settings"], run["truth"]
    rows = pl.concat(
        [
            pl.read_parquet(settings.restricted_partition(d) / "facets.parquet")
            .select("conversation_id", "concerning")
            .join(
                pl.read_parquet(settings.restricted_partition(d) / "conversations.parquet").select(
                    "conversation_id", "moderation_flagged"
                ),
                on="conversation_id",
            )
            for d in run["dates"]
        ]
    ).join(truth, on="conversation_id")
    return {
        group: part.select(
            pl.col("concerning").cast(pl.Float64).mean(), pl.col("moderation_flagged").mean()
        ).row(0)
        for (group,), part in rows.filter(pl.col("group").is_not_null()).group_by(["group"])
    }


def test_concern_facet_scores_the_false_negative_group_high(run):
    """What the disagreement report rests on: the FN group scores high concern and is rarely flagged."""
    fn_concern, fn_flag = _group_concern_and_flags(run)["false_negative"]
    assert fn_concern >= 3.5 and fn_flag < 0.2


@pytest.mark.xfail(
    strict=True,
    reason="the learned concern model scores the sample's security-scripting requests ('brute-force "
    "test my own router login') 3-5: FP group mean concern 2.97 > 2.0 (bench/results/concern.md)",
)
def test_concern_facet_scores_the_false_positive_group_low(run):
    fp_concern, fp_flag = _group_concern_and_flags(run)["false_positive"]
    assert fp_concern <= 2.0 and fp_flag > 0.4


def test_new_topic_is_emerging_on_its_day_only(run):
    first, *_, last = run["dates"]
    figures = run["figures"]
    assert figures[first]["emerging_nodes"] == 0  # no history: nothing is new
    assert figures[last]["planted_topic_emerging"] is True
    assert all(figures[d]["planted_topic_emerging"] is None for d in run["dates"][:-1])


def _success_context(instance: DagsterInstance, run_id: str):
    event = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_SUCCESS).records[0]
    return build_run_status_sensor_context(
        sensor_name="clio_warn_check_alert",
        dagster_event=event.event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
    )


def test_emerging_topic_alert_is_delivered_by_the_sensor(run):
    instance = run["instance"]
    with Receiver() as receiver:
        sensors = {s.name: s for s in make_alert_sensors(webhook_url=receiver.url, ui_base_url="http://ui")}
        for outcome in run["outcomes"]:
            sensors["clio_warn_check_alert"](_success_context(instance, outcome.run_id))
    surging = [body for body in receiver.bodies if body["check"] == "no_surging_topics"]
    last = run["dates"][-1]
    emerging = [body for body in surging if "emerging topic" in body["reason"]]
    partitions = {body["partition"] for body in emerging}
    # day 1 has no history, so nothing on it can be new; the planted topic's day must alert
    assert last in partitions and run["dates"][0] not in partitions
    (body,) = [body for body in emerging if body["partition"] == last]
    assert body["severity"] == "warning" and body["asset"] == "tracked_hierarchy"
    assert body["run_url"] == f"http://ui/runs/{run['outcomes'][-1].run_id}"
