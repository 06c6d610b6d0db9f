"""On-call alerts: the three payload formats, retries, and both sensors against a real HTTP
receiver on 127.0.0.1 fed by a real (tiny) Dagster run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    DagsterInstance,
    DailyPartitionsDefinition,
    asset,
    asset_check,
    build_run_status_sensor_context,
    materialize,
)

from clio_dagster.checks.privacy_results import check_result
from clio_dagster.core.privacy.checks import Violation
from clio_dagster.sensors.alerts import Alert, AlertDeliveryError, make_alert_sensors, send_alert

PARTITION = "2026-11-27"
UI = "http://dagster.example:3000"
PLANTED = ("maria.rossi@example.com", "conv-7f3a9c01", "user-00042917", "Via Roma 12")
DAILY = DailyPartitionsDefinition(start_date="2026-11-01")


class Receiver:
    """A webhook endpoint on loopback that records JSON bodies and can fail the first N posts."""

    def __init__(self, fail_first: int = 0, status: int = 503) -> None:
        self.bodies: list[dict] = []
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests += 1
                if receiver.requests <= fail_first:
                    self.send_response(status)
                    self.end_headers()
                    return
                receiver.bodies.append(json.loads(body))
                self.send_response(202)
                self.end_headers()
                self.wfile.write(b'{"status": "success"}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


ALERT = Alert(
    check="pii_scan",
    reason="node n3: PHONE_NUMBER in title",
    severity="critical",
    partition=PARTITION,
    job="daily",
    run_id="run-1",
    run_url=f"{UI}/runs/run-1",
    asset="candidate_hierarchy",
)


def test_generic_json_payload(receiver: Receiver) -> None:
    send_alert(receiver.url, ALERT, fmt="json")
    (body,) = receiver.bodies
    assert body["partition"] == PARTITION and body["check"] == "pii_scan"
    assert body["reason"] == ALERT.reason and body["run_url"] == f"{UI}/runs/run-1"


def test_slack_payload(receiver: Receiver) -> None:
    send_alert(receiver.url, ALERT, fmt="slack")
    (body,) = receiver.bodies
    assert set(body) == {"text", "blocks"}
    assert PARTITION in body["text"] and "pii_scan" in body["text"]
    button = body["blocks"][-1]["elements"][0]
    assert button["url"] == f"{UI}/runs/run-1"
    assert any(b.get("text", {}).get("text") == ALERT.reason for b in body["blocks"])


def test_pagerduty_payload(receiver: Receiver) -> None:
    send_alert(receiver.url, ALERT, fmt="pagerduty", routing_key="R0UTINGKEY")
    (body,) = receiver.bodies
    assert body["routing_key"] == "R0UTINGKEY" and body["event_action"] == "trigger"
    payload = body["payload"]
    assert {"summary", "severity", "source", "custom_details"} <= set(payload)
    assert payload["severity"] == "critical"
    assert payload["custom_details"]["partition"] == PARTITION
    assert payload["custom_details"]["run_url"] == f"{UI}/runs/run-1"


def test_pagerduty_needs_routing_key(receiver: Receiver) -> None:
    with pytest.raises(ValueError, match="routing_key"):
        send_alert(receiver.url, ALERT, fmt="pagerduty")


def test_retries_server_errors_then_delivers() -> None:
    with Receiver(fail_first=2) as r:
        send_alert(r.url, ALERT, attempts=4)
        assert r.requests == 3 and len(r.bodies) == 1


def test_gives_up_after_attempts() -> None:
    with Receiver(fail_first=99, status=500) as r, pytest.raises(AlertDeliveryError):
        send_alert(r.url, ALERT, attempts=2)
    assert r.requests == 2


def test_client_errors_are_not_retried() -> None:
    with Receiver(fail_first=99, status=400) as r, pytest.raises(AlertDeliveryError):
        send_alert(r.url, ALERT, attempts=3)
    assert r.requests == 1


# ---- sensors over a real run ----------------------------------------------------------------------


@asset(partitions_def=DAILY)
def published() -> int:
    return 1


@asset_check(asset=published, blocking=True, partitions_def=DAILY)
def pii_scan() -> AssetCheckResult:
    return check_result([Violation("pii", "EMAIL_ADDRESS in description", "n3")])


@asset(partitions_def=DAILY, deps=[published])
def public_files() -> int:
    return 1


@asset_check(asset=published, partitions_def=DAILY)
def quarantine_rate() -> AssetCheckResult:
    return AssetCheckResult(
        passed=False, severity=AssetCheckSeverity.WARN, description="12.0% input records quarantined"
    )


@asset(partitions_def=DAILY)
def crashes() -> int:
    # an error message quoting data must not reach the pager
    raise RuntimeError(f"bad record {PLANTED[1]} from {PLANTED[2]} <{PLANTED[0]}> at {PLANTED[3]}")


def _sensors(url: str, fmt: str = "json") -> dict:
    return {s.name: s for s in make_alert_sensors(webhook_url=url, ui_base_url=UI, fmt=fmt, routing_key="K")}


def _assert_no_private_data(bodies: list[dict]) -> None:
    text = json.dumps(bodies)
    for planted in PLANTED:
        assert planted not in text


def test_failure_sensor_alerts_on_blocking_check(receiver: Receiver) -> None:
    instance = DagsterInstance.ephemeral()
    result = materialize(
        [published, pii_scan, quarantine_rate],
        instance=instance,
        partition_key=PARTITION,
        raise_on_error=False,
    )
    assert not result.success  # the blocking ERROR check failed the run
    context = build_run_status_sensor_context(
        sensor_name="clio_run_failure_alert",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    _sensors(receiver.url)["clio_run_failure_alert"](context)
    by_check = {body["check"]: body for body in receiver.bodies}
    assert set(by_check) == {"pii_scan", "quarantine_rate", "run_failure"}
    assert by_check["quarantine_rate"]["severity"] == "warning"
    assert by_check["pii_scan"]["reason"] == "n3: EMAIL_ADDRESS in description"
    assert by_check["pii_scan"]["partition"] == PARTITION
    assert by_check["pii_scan"]["run_url"] == f"{UI}/runs/{result.run_id}"
    assert by_check["run_failure"]["severity"] == "critical"


def test_failure_sensor_sends_no_private_data(receiver: Receiver) -> None:
    instance = DagsterInstance.ephemeral()
    result = materialize([crashes], instance=instance, partition_key=PARTITION, raise_on_error=False)
    context = build_run_status_sensor_context(
        sensor_name="clio_run_failure_alert",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    _sensors(receiver.url, "slack")["clio_run_failure_alert"](context)
    (body,) = receiver.bodies
    assert "crashes" in body["text"] and "RuntimeError" in body["text"]
    _assert_no_private_data(receiver.bodies)


@asset(partitions_def=DAILY)
def healthy() -> int:
    return 1


@asset_check(asset=healthy, partitions_def=DAILY)
def facet_failure_rate() -> AssetCheckResult:
    return AssetCheckResult(
        passed=False, severity=AssetCheckSeverity.WARN, description="4.0% conversations without facets"
    )


@asset_check(asset=healthy, partitions_def=DAILY)
def thresholds_ok() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


def test_success_sensor_alerts_on_failed_warn_checks(receiver: Receiver) -> None:
    instance = DagsterInstance.ephemeral()
    result = materialize(
        [healthy, facet_failure_rate, thresholds_ok], instance=instance, partition_key=PARTITION
    )
    assert result.success
    context = build_run_status_sensor_context(
        sensor_name="clio_warn_check_alert",
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    _sensors(receiver.url, "pagerduty")["clio_warn_check_alert"](context)
    (body,) = receiver.bodies
    details = body["payload"]["custom_details"]
    assert details["check"] == "facet_failure_rate" and details["partition"] == PARTITION
    assert body["payload"]["severity"] == "warning"
    assert details["run_url"] == f"{UI}/runs/{result.run_id}"


def test_check_result_from_violations() -> None:
    assert check_result([]).passed
    many = [Violation("thresholds", "2 distinct users < min_unique_users 25", f"n{i}") for i in range(12)]
    result = check_result(many)
    assert not result.passed and result.severity == AssetCheckSeverity.ERROR
    assert result.description.startswith("n0: 2 distinct users") and result.description.endswith("(+2 more)")
    warn = check_result(
        [Violation("quarantine_rate", "6.0% input records quarantined", severity="WARN")], warn=True
    )
    assert warn.severity == AssetCheckSeverity.WARN and warn.description == "6.0% input records quarantined"


@asset_check(asset=healthy, partitions_def=DAILY)
def page_matches_data() -> AssetCheckResult:
    # an ERROR check that does not block, like explorer_matches_hierarchy: the run still succeeds
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR, description="2 nodes differ")


def test_success_sensor_alerts_on_a_failed_non_blocking_error_check(receiver: Receiver) -> None:
    instance = DagsterInstance.ephemeral()
    result = materialize([healthy, page_matches_data], instance=instance, partition_key=PARTITION)
    assert result.success
    context = build_run_status_sensor_context(
        sensor_name="clio_warn_check_alert",
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    _sensors(receiver.url)["clio_warn_check_alert"](context)
    (body,) = receiver.bodies
    assert (body["check"], body["severity"], body["reason"]) == (
        "page_matches_data",
        "critical",
        "2 nodes differ",
    )


def test_the_code_locations_sensors_read_the_webhook_secrets_when_they_send(
    receiver: Receiver, monkeypatch
) -> None:
    """The shipped sensors take the webhook URL and routing key as EnvVars: nothing is read at
    import, and the values set when an alert goes out are the ones used."""
    from dagster import EnvVar

    monkeypatch.delenv("CLIO_ALERT_WEBHOOK_URL", raising=False)
    sensors = {
        s.name: s
        for s in make_alert_sensors(
            webhook_url=EnvVar("CLIO_ALERT_WEBHOOK_URL"),
            ui_base_url=UI,
            fmt="pagerduty",
            routing_key=EnvVar("CLIO_ALERT_ROUTING_KEY"),
        )
    }
    instance = DagsterInstance.ephemeral()
    result = materialize(
        [healthy, facet_failure_rate, thresholds_ok], instance=instance, partition_key=PARTITION
    )
    context = build_run_status_sensor_context(
        sensor_name="clio_warn_check_alert",
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    sensors["clio_warn_check_alert"](context)  # no URL in the environment yet: logged, not sent
    assert receiver.bodies == []
    monkeypatch.setenv("CLIO_ALERT_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("CLIO_ALERT_ROUTING_KEY", "ROUTE-42")
    sensors["clio_warn_check_alert"](context)
    (body,) = receiver.bodies
    assert body["routing_key"] == "ROUTE-42"
