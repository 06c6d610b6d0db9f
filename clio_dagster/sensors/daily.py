"""The daily schedule: each morning (UTC) materialise yesterday's partition of ``clio_daily``.

No ``from __future__ import annotations`` here: Dagster inspects the schedule function at load time.
"""

from datetime import UTC, date, timedelta

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from clio_dagster.config import Settings
from clio_dagster.core.taxonomy.reuse import TAXONOMY_TAG

# 01:00 UTC leaves an hour for late records of yesterday to land before its run reads them.
DAILY_CRON = "0 1 * * *"


def yesterday(context: ScheduleEvaluationContext) -> str:
    """The UTC date before the tick's scheduled time: the last complete day."""
    tick = context.scheduled_execution_time.astimezone(UTC)
    return (tick - timedelta(days=1)).date().isoformat()


def weekly_rebuild_due(settings: Settings, day: str) -> bool:
    """Whether ``day``'s run rebuilds although the mode may assign: its weekday is the rebuild day."""
    weekday = settings.taxonomy_rebuild_weekday
    return (
        settings.taxonomy_mode != "rebuild"
        and weekday is not None
        and date.fromisoformat(day).weekday() == weekday
    )


@schedule(
    job_name="clio_daily",
    cron_schedule=DAILY_CRON,
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Materialises yesterday's partition (every asset and check) at 01:00 UTC; when "
    "CLIO_TAXONOMY_MODE assigns, the partition on CLIO_TAXONOMY_REBUILD_WEEKDAY rebuilds the taxonomy.",
)
def clio_daily_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """A run of ``clio_daily`` for yesterday; the run key makes a re-evaluated tick a no-op."""
    day = yesterday(context)
    tags = {"clio/trigger": "schedule"}
    if weekly_rebuild_due(Settings(), day):
        tags[TAXONOMY_TAG] = "rebuild"
    return RunRequest(run_key=f"clio_daily-{day}", partition_key=day, tags=tags)
