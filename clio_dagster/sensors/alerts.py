"""On-call alerts: payloads for a generic JSON webhook, Slack and PagerDuty Events v2, a sender
with retries, and the two Dagster sensors that use them.

An alert carries the partition, the check (or "run_failure"), a reason, the job, the run id and
a link to the run in the Dagster UI. It never carries conversation text or ids: reasons come
from check descriptions (built from ``core.privacy.checks.Violation.reason``, which names nodes
and kinds of problem only) and from step keys and error class names, never error messages,
which could quote data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import httpx
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DefaultSensorStatus,
    EnvVar,
    RunFailureSensorContext,
    RunStatusSensorContext,
    SensorDefinition,
    run_failure_sensor,
    run_status_sensor,
)
from dagster import DagsterRunStatus as RunStatus
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

AlertFormat = Literal["json", "slack", "pagerduty"]
AlertSeverity = Literal["critical", "error", "warning", "info"]
MAX_REASON = 500


@dataclass(frozen=True)
class Alert:
    """What on-call needs to act, and nothing private."""

    check: str  # asset check name, or "run_failure"
    reason: str
    severity: AlertSeverity
    partition: str | None
    job: str
    run_id: str
    run_url: str
    asset: str | None = None


class AlertDeliveryError(RuntimeError):
    """The webhook did not accept the alert after every retry."""


def run_url(ui_base_url: str, run_id: str) -> str:
    """Link to a run in the Dagster UI."""
    return f"{ui_base_url.rstrip('/')}/runs/{run_id}"


def build_payload(alert: Alert, fmt: AlertFormat = "json", *, routing_key: str | None = None) -> dict:
    """The request body for one alert in the chosen format."""
    if fmt == "json":
        return {"source": "clio-dagster", **asdict(alert)}
    summary = _summary(alert)
    if fmt == "slack":
        fields = [("Partition", alert.partition or "-"), ("Check", alert.check), ("Job", alert.job)]
        return {
            "text": f"{summary}: {alert.reason} <{alert.run_url}|Open run>",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": summary[:150]}},
                {
                    "type": "section",
                    "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields],
                },
                {"type": "section", "text": {"type": "mrkdwn", "text": alert.reason}},
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "Open run in Dagster"},
                            "url": alert.run_url,
                        }
                    ],
                },
            ],
        }
    if fmt == "pagerduty":
        if not routing_key:
            raise ValueError("PagerDuty alerts need a routing_key (CLIO_ALERT_ROUTING_KEY)")
        return {
            "routing_key": routing_key,
            "event_action": "trigger",
            # one incident per job, partition and check, however often the sensor fires
            "dedup_key": f"clio-dagster/{alert.job}/{alert.partition or '-'}/{alert.check}",
            "payload": {
                "summary": f"{summary}: {alert.reason}"[:1024],
                "severity": alert.severity,
                "source": "clio-dagster",
                "component": alert.asset or alert.job,
                "group": alert.job,
                "class": alert.check,
                "custom_details": {
                    "partition": alert.partition,
                    "check": alert.check,
                    "reason": alert.reason,
                    "run_id": alert.run_id,
                    "run_url": alert.run_url,
                },
            },
            "links": [{"href": alert.run_url, "text": "Dagster run"}],
        }
    raise ValueError(f"unknown alert format {fmt!r}: use json, slack or pagerduty")


def send_alert(
    url: str,
    alert: Alert,
    *,
    fmt: AlertFormat = "json",
    routing_key: str | None = None,
    timeout: float = 5.0,
    attempts: int = 4,
) -> httpx.Response:
    """POST the alert; retries connection errors, timeouts, 429 and 5xx with backoff."""
    payload = build_payload(alert, fmt, routing_key=routing_key)
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.2, max=5),
        retry=retry_if_exception(_retryable),
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                response = httpx.post(url, json=payload, timeout=timeout)
                response.raise_for_status()
    except httpx.HTTPError as error:
        raise AlertDeliveryError(
            f"alert {alert.check} for {alert.partition} not delivered after {attempts} attempts "
            f"({type(error).__name__}); check CLIO_ALERT_WEBHOOK_URL"
        ) from error
    return response


def _retryable(error: BaseException) -> bool:
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code == 429 or error.response.status_code >= 500
    return isinstance(error, httpx.TransportError)


def _summary(alert: Alert) -> str:
    label = "Run failed" if alert.check == "run_failure" else f"Check {alert.check} failed"
    return f"[clio-dagster] {label} ({alert.job}, partition {alert.partition or '-'})"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


# ---- reading a run's events ----------------------------------------------------------------------


def failed_check_alerts(
    instance: DagsterInstance,
    run_id: str,
    *,
    job: str,
    partition: str | None,
    url: str,
    severities: Sequence[str] = ("WARN", "ERROR"),
) -> list[Alert]:
    """An alert per failed asset-check evaluation of a run with one of ``severities``."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
    alerts = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.passed or evaluation.severity.value not in severities:
            continue
        alerts.append(
            Alert(
                check=evaluation.check_name,
                reason=_clip(evaluation.description or f"{evaluation.severity.value} check failed"),
                severity="warning" if evaluation.severity.value == "WARN" else "critical",
                partition=evaluation.partition or partition,
                job=job,
                run_id=run_id,
                run_url=url,
                asset=evaluation.asset_key.to_user_string(),
            )
        )
    return alerts


def _failed_steps(instance: DagsterInstance, run_id: str) -> str:
    """Step keys and error class names of a failed run (messages could quote data)."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.STEP_FAILURE).records
    parts = []
    for record in records:
        event = record.event_log_entry.dagster_event
        error = getattr(event.event_specific_data, "error", None)
        while error is not None and error.cause is not None:
            error = error.cause  # the user's exception, not Dagster's wrapper
        parts.append(f"{event.step_key} ({error.cls_name if error else 'error'})")
    return "failed steps: " + (", ".join(parts) if parts else "none recorded (run-level failure)")


# ---- sensors ---------------------------------------------------------------------------------------


def _secret(value: str | None) -> str | None:
    """A secret's value at delivery time: an ``EnvVar`` is read from the environment then, so the
    webhook URL and routing key never sit in the definitions, the UI or a serialised snapshot."""
    if isinstance(value, EnvVar):
        return value.get_value() or None
    return value


def make_alert_sensors(
    *,
    webhook_url: str | EnvVar | None,
    ui_base_url: str,
    fmt: AlertFormat = "json",
    routing_key: str | EnvVar | None = None,
    sender: Callable[..., object] = send_alert,
) -> list[SensorDefinition]:
    """A run-failure sensor (blocking check failures and a refusal at the publication gate fail the
    run) and a run-success sensor that alerts on every failed check of a run that succeeded (WARN,
    and ERROR checks that are not blocking, such as the explorer's). Without a webhook URL they log
    and send nothing.

    Both watch every run of the instance, not only the code location's named jobs: a run launched
    from the UI's Materialize button, ``dagster asset materialize`` or ``clio run`` carries no job
    origin of this code location (or the implicit asset job's), and must page all the same.
    """

    def deliver(context: RunStatusSensorContext, alerts: list[Alert]) -> None:
        url, key = _secret(webhook_url), _secret(routing_key)
        for alert in alerts:
            if url is None:
                context.log.warning(f"no CLIO_ALERT_WEBHOOK_URL; alert not sent: {alert.check}")
                continue
            sender(url, alert, fmt=fmt, routing_key=key)

    @run_failure_sensor(
        name="clio_run_failure_alert",
        description="Pages on-call when any run fails: failed blocking privacy checks, a refusal at "
        "the publication gate, a crash.",
        default_status=DefaultSensorStatus.RUNNING,
        monitor_all_code_locations=True,
    )
    def clio_run_failure_alert(context: RunFailureSensorContext) -> None:
        run = context.dagster_run
        partition = run.tags.get("dagster/partition")
        link = run_url(ui_base_url, run.run_id)
        # WARN failures ride along: the success sensor never sees a failed run
        checks = failed_check_alerts(
            context.instance, run.run_id, job=run.job_name, partition=partition, url=link
        )
        run_alert = Alert(
            check="run_failure",
            reason=_clip(_failed_steps(context.instance, run.run_id)),
            severity="critical",
            partition=partition,
            job=run.job_name,
            run_id=run.run_id,
            run_url=link,
        )
        deliver(context, [*checks, run_alert])

    @run_status_sensor(
        run_status=RunStatus.SUCCESS,
        name="clio_warn_check_alert",
        description="Alerts on failed checks of successful runs: WARN (quarantine rate, surging "
        "topics) and non-blocking ERROR (the explorer matching the hierarchies).",
        default_status=DefaultSensorStatus.RUNNING,
        monitor_all_code_locations=True,
    )
    def clio_warn_check_alert(context: RunStatusSensorContext) -> None:
        run = context.dagster_run
        alerts = failed_check_alerts(
            context.instance,
            run.run_id,
            job=run.job_name,
            partition=run.tags.get("dagster/partition"),
            url=run_url(ui_base_url, run.run_id),
        )
        deliver(context, alerts)

    return [clio_run_failure_alert, clio_warn_check_alert]
