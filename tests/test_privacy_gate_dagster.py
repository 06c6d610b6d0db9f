"""The gate holds whichever selection or job runs the publishing assets (issue 16, item 1).

A day is materialised normally; then the stored candidate is tampered with, or a blocking check
fails, and only the publishing assets are materialised, through ``dagster.materialize`` and
through the ``dagster asset materialize`` CLI. Nothing tampered reaches public/, the run fails,
and the alert sensor, evaluated as the daemon evaluates it, pages on-call for that run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetSelection, DagsterInstance, materialize
from dagster._core.definitions.sensor_definition import SensorEvaluationContext
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

import clio_dagster.assets.publish as publish_asset
from clio_dagster.config import Settings
from clio_dagster.core.files import write_restricted_text
from clio_dagster.runner import run_partition
from clio_dagster.schema import PublicHierarchy
from clio_dagster.sensors.alerts import make_alert_sensors

_spec = importlib.util.spec_from_file_location(
    "privbench_support", Path(__file__).with_name("privbench_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

pytestmark = pytest.mark.slow

EMAIL = "jolanda.brisk@example.net"
PHONE = "+1 415 555 0132"
TAMPERED_ID = "tampered-small-node"


@pytest.fixture
def published_day(clio_home, sample_corpus, tmp_path, monkeypatch) -> tuple[str, DagsterInstance]:
    """One day run end to end on a persistent instance (the CLI shares it through DAGSTER_HOME)."""
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    monkeypatch.setenv("CLIO_INPUT", str(sample_corpus.conversations))
    date = support.first_date(sample_corpus)
    instance = DagsterInstance.get()
    outcome = run_partition(date, instance)
    assert outcome.success, outcome.reason
    return date, instance


def public_snapshot(settings: Settings) -> dict[str, bytes]:
    """Every file under public/, hidden ones (a staged temporary file) included."""
    root = settings.public_dir
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def tamper_candidate(settings: Settings, date: str) -> None:
    """An email in a title, a phone number in a description, a node below the user threshold."""
    path = settings.restricted_partition(date) / "candidate_hierarchy.json"
    candidate = PublicHierarchy.model_validate_json(path.read_text())
    first, second = candidate.nodes[0], candidate.nodes[1]
    small = first.model_copy(
        update={
            "id": TAMPERED_ID,
            "parent_id": first.id,
            "depth": 1,
            "unique_users": 3,
            "conversation_count": 4,
        }
    )
    nodes = [
        first.model_copy(update={"title": f"{first.title} {EMAIL}"}),
        second.model_copy(update={"description": f"{second.description} Call {PHONE}."}),
        *candidate.nodes[2:],
        small,
    ]
    write_restricted_text(path, candidate.model_copy(update={"nodes": nodes}).model_dump_json(indent=1))


class AlertInbox:
    """The alert sensors as the daemon runs them: a code location origin, a cursor kept between
    ticks, and a sender that records instead of posting."""

    def __init__(self, instance: DagsterInstance) -> None:
        self.instance = instance
        self.alerts: list = []
        self.sensors = {
            s.name: s
            for s in make_alert_sensors(
                webhook_url="http://127.0.0.1:9/unused",
                ui_base_url="http://ui",
                sender=lambda url, alert, **_: self.alerts.append(alert),
            )
        }
        self.cursors: dict[str, str | None] = {name: None for name in self.sensors}
        self.tick()  # the first tick only sets the cursor past existing runs, as in the daemon

    def tick(self) -> list:
        origin = InProcessCodeLocationOrigin(
            LoadableTargetOrigin(module_name="clio_dagster.definitions"), location_name="clio_dagster"
        )
        before = len(self.alerts)
        for name, sensor in self.sensors.items():
            context = SensorEvaluationContext(
                instance_ref=None,
                instance=self.instance,
                cursor=self.cursors[name],
                repository_name="__repository__",
                sensor_name=name,
                code_location_origin=origin,
            )
            result = sensor.evaluate_tick(context)
            self.cursors[name] = result.cursor
        return self.alerts[before:]


def materialize_alone(instance: DagsterInstance, date: str, *names: str):
    from clio_dagster.definitions import defs

    assets = list(defs.assets)
    return materialize(
        assets,
        selection=AssetSelection.assets(*names),
        partition_key=date,
        instance=instance,
        resources=defs.resources,
        raise_on_error=False,
    )


def assert_nothing_tampered_public(settings: Settings, before: dict[str, bytes]) -> None:
    after = public_snapshot(settings)
    assert after == before  # not a byte changed, no temporary file left behind
    text = b"\n".join(after.values()).decode()
    assert EMAIL not in text and PHONE not in text and TAMPERED_ID not in text


def test_a_tampered_candidate_is_refused_when_the_publishing_assets_run_alone(published_day):
    date, instance = published_day
    settings = Settings()
    before = public_snapshot(settings)
    assert f"{date}/hierarchy.json" in before and "explorer.html" in before
    inbox = AlertInbox(instance)
    tamper_candidate(settings, date)

    result = materialize_alone(instance, date, "public_hierarchy", "explorer")

    assert not result.success
    assert_nothing_tampered_public(settings, before)
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.event_specific_data.error.cause.message
    assert "publication blocked" in message
    for expected in ("EMAIL_ADDRESS", "PHONE_NUMBER", f"{TAMPERED_ID}: 3 unique_users < 25"):
        assert expected in message
    assert EMAIL not in message and PHONE not in message  # the reason names kinds, never the text
    alerts = inbox.tick()
    assert [(a.check, a.job, a.partition) for a in alerts] == [
        ("run_failure", result.dagster_run.job_name, date)
    ]
    assert "public_hierarchy (PublicationBlocked)" in alerts[0].reason


def test_a_tampered_candidate_is_refused_by_the_dagster_cli(published_day):
    date, instance = published_day
    settings = Settings()
    before = public_snapshot(settings)
    inbox = AlertInbox(instance)
    tamper_candidate(settings, date)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    command = [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "clio_dagster.definitions"]
    run = subprocess.run(
        [*command, "--select", "public_hierarchy", "--partition", date],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert run.returncode != 0, run.stdout[-2000:]
    assert "PublicationBlocked" in run.stdout + run.stderr
    assert_nothing_tampered_public(settings, before)
    alerts = inbox.tick()
    assert [(a.check, a.partition) for a in alerts] == [("run_failure", date)]
    assert alerts[0].job == "__ASSET_JOB"

    # the explorer alone rebuilds from what the gate let out, so it still shows nothing tampered
    explorer = subprocess.run(
        [*command, "--select", "explorer", "--partition", date],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert explorer.returncode == 0, explorer.stdout[-2000:]
    assert_nothing_tampered_public(settings, public_snapshot(settings))
    assert EMAIL not in (settings.public_dir / "explorer.html").read_text()


def test_after_a_failed_check_public_hierarchy_alone_publishes_nothing(clio_home, sample_corpus, monkeypatch):
    monkeypatch.setenv("CLIO_INPUT", str(sample_corpus.conversations))
    real = publish_asset.node_statistics

    def leaking(nodes, facets, base, **kwargs):
        public = real(nodes, facets, base, **kwargs)
        return [public[0].model_copy(update={"title": f"{public[0].title} {EMAIL}"}), *public[1:]]

    monkeypatch.setattr(publish_asset, "node_statistics", leaking)
    date = support.first_date(sample_corpus)
    instance = DagsterInstance.ephemeral()
    outcome = run_partition(date, instance)
    assert not outcome.success and "no_pii_in_public_text" in outcome.reason
    settings = Settings()
    assert not settings.public_partition(date).exists()

    result = materialize_alone(instance, date, "public_hierarchy")

    assert not result.success
    assert not settings.public_partition(date).exists()
    stored = json.loads((settings.restricted_partition(date) / "candidate_hierarchy.json").read_text())
    assert EMAIL in stored["nodes"][0]["title"]  # the failing candidate was there to publish
