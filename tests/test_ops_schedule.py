"""The daily schedule asks for yesterday's partition of clio_daily, whatever the tick time that day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dagster import DagsterInstance, build_schedule_context

from clio_dagster.definitions import defs
from clio_dagster.sensors.daily import DAILY_CRON, clio_daily_schedule


@pytest.mark.parametrize(
    ("tick", "expected"),
    [
        (datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "2026-11-27"),
        (datetime(2026, 3, 1, 1, 0, tzinfo=UTC), "2026-02-28"),  # month end
        (datetime(2027, 1, 1, 1, 0, tzinfo=UTC), "2026-12-31"),  # year end
    ],
)
def test_tick_requests_yesterdays_partition(tick: datetime, expected: str):
    schedule = defs.get_schedule_def("clio_daily_schedule")
    assert schedule.job_name == "clio_daily" and schedule.cron_schedule == DAILY_CRON
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def()
        )
        result = schedule.evaluate_tick(context)
    assert result.skip_message is None
    [request] = result.run_requests
    assert request.partition_key == expected
    assert request.tags["dagster/partition"] == expected  # resolved against the job's partitions
    assert request.run_key == f"clio_daily-{expected}"


def test_tick_time_is_read_in_utc():
    """A tick given in another zone still names the UTC day before the tick."""
    from zoneinfo import ZoneInfo

    tick = datetime(2026, 11, 27, 20, 0, tzinfo=ZoneInfo("America/New_York"))  # 01:00 UTC on the 28th
    context = build_schedule_context(scheduled_execution_time=tick)
    assert clio_daily_schedule(context).partition_key == "2026-11-27"


def test_partition_for_a_day_before_the_partitions_start_is_refused():
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(
            instance=instance,
            scheduled_execution_time=datetime(2023, 6, 2, 1, 0, tzinfo=UTC),
            repository_def=defs.get_repository_def(),
        )
        with pytest.raises(Exception, match="2023-06-01"):
            defs.get_schedule_def("clio_daily_schedule").evaluate_tick(context)
