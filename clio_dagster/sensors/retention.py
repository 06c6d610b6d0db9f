"""The retention job and its daily schedule (deletes restricted data past ``retention_days``).

No ``from __future__ import annotations`` here: Dagster resolves op config types at run time.
"""

from datetime import UTC, date, datetime

from dagster import (
    Config,
    DefaultScheduleStatus,
    OpExecutionContext,
    RunRequest,
    ScheduleEvaluationContext,
    job,
    op,
    schedule,
)

from clio_dagster.config import Settings
from clio_dagster.core.privacy.retention import apply_retention


class RetentionConfig(Config):
    today: str | None = None  # ISO date; the schedule passes its own date, default: today (UTC)
    dry_run: bool = False


@op
def apply_retention_op(context: OpExecutionContext, config: RetentionConfig) -> None:
    """Delete restricted partitions, quarantine rows and cache files past retention."""
    settings = Settings()
    today = date.fromisoformat(config.today) if config.today else _utc_today()
    result = apply_retention(
        settings.restricted_dir,
        today=today,
        retention_days=settings.retention_days,
        quarantine_path=settings.quarantine_path,
        cache_dir=settings.cache_dir,
        dry_run=config.dry_run,
    )
    verb = "would delete" if config.dry_run else "deleted"
    context.log.info(
        f"retention {settings.retention_days} days, cutoff {result.cutoff}: {verb} "
        f"{len(result.partitions)} partitions, {result.quarantine_rows} quarantine rows, "
        f"{result.cache_files} cache files"
    )
    context.add_output_metadata(
        {
            "cutoff": result.cutoff.isoformat(),
            "partitions": result.partitions,
            "quarantine_rows": result.quarantine_rows,
            "cache_files": result.cache_files,
            "dry_run": config.dry_run,
        }
    )


@job(description="Deletes restricted data older than retention_days (by partition date).")
def retention_job() -> None:
    apply_retention_op()


@schedule(
    job=retention_job,
    cron_schedule="30 3 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def retention_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """Daily at 03:30 UTC, judging due data against the scheduled date."""
    today = context.scheduled_execution_time.date().isoformat()
    return RunRequest(
        run_key=f"retention-{today}",
        run_config={"ops": {"apply_retention_op": {"config": {"today": today}}}},
    )


def _utc_today() -> date:
    return datetime.now(UTC).date()
