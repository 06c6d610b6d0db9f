"""The one daily partitioning shared by every asset and check (UTC dates)."""

from dagster import DailyPartitionsDefinition

DAILY = DailyPartitionsDefinition(start_date="2024-01-01", timezone="UTC", end_offset=1)
