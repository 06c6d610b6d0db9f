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

from dagster import DagsterInstance

from clio_dagster.runner import Executor, PartitionOutcome, run_partition

BACKFILL_TAG = "clio/backfill"


def date_range(start: str, end: str) -> list[str]:
    """Every UTC date from ``start`` to ``end`` inclusive (YYYY-MM-DD)."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if last < first:
        raise ValueError(f"--end {end} is before --start {start}")
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


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
    for day in dates:
        started = time.perf_counter()
        outcome = run_partition(
            day, instance, executor=executor, max_concurrent=max_concurrent, tags={BACKFILL_TAG: backfill_id}
        )
        if on_outcome:
            on_outcome(outcome, time.perf_counter() - started)
        yield outcome
