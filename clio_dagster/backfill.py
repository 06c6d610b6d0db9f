"""``clio backfill``: one run of ``clio_daily`` per day of a date range, in date order, on the instance.

Each run uses the multiprocess executor (every step in its own spawned process, so FAISS never
runs after a fork and a step's memory is returned when it ends). Runs go one after the other:
trends compare a day with the previous one, so days must land in order; and the command needs no
daemon, reports each day as it finishes and exits non-zero when one failed. Backfills the daemon
should own go through the UI or ``dagster job backfill -j clio_daily`` (docs/operations.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Literal

from dagster import DagsterInstance, JobDefinition, execute_job, reconstructable

from clio_dagster.runner import QUIET, PartitionOutcome, outcome_of

BACKFILL_TAG = "clio/backfill"
Executor = Literal["multiprocess", "in_process"]


def clio_daily_job() -> JobDefinition:
    """The daily job, loaded by name so every spawned step process can rebuild it."""
    from clio_dagster.definitions import defs

    return defs.resolve_job_def("clio_daily")


def date_range(start: str, end: str) -> list[str]:
    """Every UTC date from ``start`` to ``end`` inclusive (YYYY-MM-DD)."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if last < first:
        raise ValueError(f"--end {end} is before --start {start}")
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def run_config(executor: Executor, max_concurrent: int) -> dict[str, object]:
    """Run config choosing the executor: ``multiprocess`` (at most ``max_concurrent`` steps at once)
    or ``in_process`` (one process, steps in order: for small days and debugging)."""
    if executor == "in_process":
        return {**QUIET, "execution": {"config": {"in_process": {}}}}
    return {**QUIET, "execution": {"config": {"multiprocess": {"max_concurrent": max_concurrent}}}}


def run_backfill(
    dates: list[str],
    instance: DagsterInstance,
    *,
    executor: Executor = "multiprocess",
    max_concurrent: int = 2,
    on_outcome: Callable[[PartitionOutcome, float], None] | None = None,
) -> Iterator[PartitionOutcome]:
    """Run each date's partition in order; yield its outcome (a failed day does not stop the rest)."""
    import time

    backfill_id = uuid.uuid4().hex[:8]
    job = reconstructable(clio_daily_job)
    for day in dates:
        started = time.perf_counter()
        with execute_job(
            job,
            instance=instance,
            run_config=run_config(executor, max_concurrent),
            tags={"dagster/partition": day, BACKFILL_TAG: backfill_id},
            raise_on_error=False,
        ) as result:
            outcome = outcome_of(day, result)
        if on_outcome:
            on_outcome(outcome, time.perf_counter() - started)
        yield outcome
