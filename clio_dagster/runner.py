"""Running partitions of the daily job from Python (the CLI, tests and benchmarks use this)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, ExecuteInProcessResult, JobExecutionResult

from clio_dagster.config import Settings

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class PartitionOutcome:
    date: str
    success: bool
    reason: str = ""
    run_id: str = ""
    metadata: dict[str, object] = field(default_factory=dict)


def instance_for(settings: Settings) -> DagsterInstance:
    """$DAGSTER_HOME's instance if set, else PostgreSQL if CLIO_PG_URL is set, else SQLite in CLIO_HOME."""
    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    home = settings.home.resolve() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    if settings.pg_url:
        overrides = {"storage": {"postgres": {"postgres_url": settings.pg_url}}}
        return DagsterInstance.local_temp(str(home), overrides=overrides)
    return DagsterInstance.local_temp(str(home))


def failure_reason(result: ExecuteInProcessResult | JobExecutionResult) -> str:
    """One line saying why a run did not publish: a blocking check, or the first failed step."""
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity.value == "ERROR":
                return f"blocking privacy check '{evaluation.check_name}' failed: {evaluation.description}"
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            while (
                error is not None
                and error.cause is not None
                and "DagsterExecutionStepExecutionError" in (error.cls_name or "")
            ):
                error = error.cause  # the user's exception, not Dagster's wrapper
            message = (error.message if error else "step failed").strip().splitlines()[0]
            return f"{event.step_key}: {message}"
    return "run failed"


def daily_job():
    """The daily job (module-level, so each step of a multiprocess run can rebuild it)."""
    from clio_dagster.definitions import defs

    return defs.resolve_job_def("clio_daily")


def run_partition(date: str, instance: DagsterInstance, executor: str = "in_process") -> PartitionOutcome:
    """Materialise every asset and check of the daily job for one partition.

    ``executor="multiprocess"`` runs each step in its own process (facet shards in parallel); it
    needs a persistent instance.
    """
    from dagster import execute_job, reconstructable

    # Not ``execute_in_process``: it keeps every step's output value in memory until the run ends
    # (for ``output_for_node``), which at 1M conversations is several copies of the day.
    run_config = {**QUIET, "execution": {"config": {executor: {}}}}
    result = execute_job(
        reconstructable(daily_job),
        instance=instance,
        run_config=run_config,
        tags={"dagster/partition": date},
        raise_on_error=False,
    )
    if not result.success:
        return PartitionOutcome(date, False, failure_reason(result), result.run_id)
    published = result.asset_materializations_for_node("public_hierarchy")
    metadata = {k: v.value for k, v in published[0].metadata.items()} if published else {}
    return PartitionOutcome(date, True, run_id=result.run_id, metadata=metadata)


def public_outputs(settings: Settings) -> list[Path]:
    return sorted(settings.public_dir.glob("*/hierarchy.json"))
