"""Running partitions of the daily job from Python (the CLI, tests and benchmarks use this)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

from dagster import (
    DagsterEventType,
    DagsterInstance,
    JobDefinition,
    JobExecutionResult,
    execute_job,
    reconstructable,
)

from clio_dagster.assets.operations import LLM_POOL, LLM_POOL_SLOTS
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
    """The Dagster instance runs are recorded on, with an ``llm`` pool limit.

    $DAGSTER_HOME's instance (its dagster.yaml) if that is set; else a persistent instance in
    ``$CLIO_HOME/dagster`` (compute logs, artefacts) whose runs and events go to PostgreSQL when
    CLIO_PG_URL is set, to SQLite files there otherwise.
    """
    if os.environ.get("DAGSTER_HOME"):
        instance = DagsterInstance.get()
    else:
        home = settings.home.resolve() / "dagster"
        home.mkdir(parents=True, exist_ok=True)
        overrides: dict[str, object] = {"concurrency": {"pools": {"default_limit": LLM_POOL_SLOTS}}}
        if settings.pg_url:
            overrides["storage"] = {"postgres": {"postgres_url": sqlalchemy_pg_url(settings.pg_url)}}
        # local_temp with a directory is the public way to build a persistent instance from a dir
        instance = DagsterInstance.local_temp(str(home), overrides=overrides)
    ensure_llm_pool(instance)
    return instance


def sqlalchemy_pg_url(url: str) -> str:
    """Name the psycopg2 driver: SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, not installed."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql+psycopg2://{rest}" if sep and scheme in ("postgres", "postgresql") else url


def ensure_llm_pool(instance: DagsterInstance, slots: int = LLM_POOL_SLOTS) -> None:
    """Give the ``llm`` pool a limit unless an operator already set one (``dagster instance concurrency``)."""
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits and LLM_POOL not in storage.get_concurrency_keys():
        storage.set_concurrency_slots(LLM_POOL, slots)


def failure_reason(result: JobExecutionResult) -> str:
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


def daily_job() -> JobDefinition:
    """The daily job, loaded by name so every spawned step process can rebuild it."""
    from clio_dagster.definitions import defs

    return defs.resolve_job_def("clio_daily")


Executor = Literal["in_process", "multiprocess"]


def run_config(executor: Executor = "in_process", max_concurrent: int = 2) -> dict[str, object]:
    """Quiet console logs and the executor: ``in_process`` (one process, steps in order) or
    ``multiprocess`` (each step spawned, at most ``max_concurrent`` at once; facet shards in parallel)."""
    if executor == "in_process":
        return {**QUIET, "execution": {"config": {"in_process": {}}}}
    return {**QUIET, "execution": {"config": {"multiprocess": {"max_concurrent": max_concurrent}}}}


def run_partition(
    date: str,
    instance: DagsterInstance,
    *,
    executor: Executor = "in_process",
    max_concurrent: int = 2,
    tags: dict[str, str] | None = None,
) -> PartitionOutcome:
    """Materialise every asset and check of the daily job for one partition.

    Not ``execute_in_process``: it keeps every step's output value in memory until the run ends,
    which at 1M conversations is several copies of the day. ``multiprocess`` needs a persistent
    instance.
    """
    with execute_job(
        reconstructable(daily_job),
        instance=instance,
        run_config=run_config(executor, max_concurrent),
        tags={"dagster/partition": date, **(tags or {})},
        raise_on_error=False,
    ) as result:
        return outcome_of(date, result)


def outcome_of(date: str, result: JobExecutionResult) -> PartitionOutcome:
    """What a finished run of one partition says: published (with its metadata) or why not."""
    if not result.success:
        return PartitionOutcome(date, False, failure_reason(result), result.run_id)
    published = result.asset_materializations_for_node("public_hierarchy")
    metadata = {k: v.value for k, v in published[0].metadata.items()} if published else {}
    # which taxonomy the day used (rebuilt, or assigned to an earlier one) and its unassigned bucket
    for clustered in result.asset_materializations_for_node("base_clusters")[:1]:
        metadata |= {
            k: v.value for k, v in clustered.metadata.items() if k.startswith(("taxonomy_", "unassigned_"))
        }
    return PartitionOutcome(date, True, run_id=result.run_id, metadata=metadata)
