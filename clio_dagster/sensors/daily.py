"""The daily schedule: each morning (UTC) materialise yesterday's partition of ``clio_daily``.

No ``from __future__ import annotations`` here: Dagster inspects the schedule function at load time.
"""

from datetime import UTC, timedelta

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

# 01:00 UTC leaves an hour for late records of yesterday to land before its run reads them.
DAILY_CRON = "0 1 * * *"


def yesterday(context: ScheduleEvaluationContext) -> str:
    """The UTC date before the tick's scheduled time: the last complete day."""
    tick = context.scheduled_execution_time.astimezone(UTC)
    return (tick - timedelta(days=1)).date().isoformat()


@schedule(
    job_name="clio_daily",
    cron_schedule=DAILY_CRON,
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Materialises yesterday's partition (every asset and check) at 01:00 UTC.",
)
def clio_daily_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """A run of ``clio_daily`` for yesterday; the run key makes a re-evaluated tick a no-op."""
    day = yesterday(context)
    return RunRequest(run_key=f"clio_daily-{day}", partition_key=day, tags={"clio/trigger": "schedule"})
