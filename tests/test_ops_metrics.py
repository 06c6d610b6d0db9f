"""Per-step timings and peak memory land in every materialisation's metadata."""

from __future__ import annotations

import time

import numpy as np
import polars as pl
from dagster import AssetCheckResult, AssetCheckSpec, MaterializeResult, Output, asset, materialize

from clio_dagster.assets.operations import observed

FIGURES = {"step_seconds", "rss_start_mb", "rss_peak_mb", "rss_growth_mb", "process_peak_rss_mb"}


@asset
@observed
def returns_a_value() -> int:
    """A plain body."""
    time.sleep(0.2)
    return 1


@asset
@observed
def holds_memory() -> MaterializeResult:
    block = np.ones(200 * 1024 * 1024 // 8)  # 200 MB, released before the step ends
    time.sleep(0.2)  # let the sampler see it
    del block
    return MaterializeResult(metadata={"own": 1})


@asset(check_specs=[AssetCheckSpec("fine", asset="yields")])
@observed
def yields():
    yield AssetCheckResult(passed=True)
    yield Output(3, metadata={"own": 2})


def _metadata(result, key: str) -> dict:
    [materialization] = result.asset_materializations_for_node(key)
    return {k: v.value for k, v in materialization.metadata.items()}


def test_every_kind_of_body_reports_time_and_memory():
    result = materialize([returns_a_value, holds_memory, yields])
    assert result.success
    plain, memory, generator = (_metadata(result, k) for k in ("returns_a_value", "holds_memory", "yields"))
    for meta in (plain, memory, generator):
        assert set(meta) >= FIGURES
        assert meta["rss_peak_mb"] >= meta["rss_start_mb"] > 0
    assert plain["step_seconds"] >= 0.2
    assert memory["rss_growth_mb"] >= 150  # the peak, though the block was freed before the end
    assert memory["own"] == 1 and generator["own"] == 2  # the asset's own metadata is kept
    assert result.get_asset_check_evaluations()[0].passed


def test_the_wrapped_asset_keeps_its_description_and_inputs():
    from dagster import AssetKey

    from clio_dagster.definitions import defs

    node = defs.resolve_asset_graph().get(AssetKey("assignments"))
    assert "node_path" in (node.description or "")
    assert {k.to_user_string() for k in node.parent_keys} == {"base_clusters", "tracked_hierarchy"}


def test_restricted_tables_carry_their_row_count_and_column_schema(tmp_path):
    """Every DataFrame the restricted store writes is described in Dagster's standard table metadata."""
    from dagster import TableSchema

    from clio_dagster.resources.settings import ClioSettings
    from clio_dagster.resources.storage import RestrictedFileIOManager

    @asset
    def accounts() -> pl.DataFrame:
        return pl.DataFrame({"user_id": ["a", "b", "c"], "turns": [1, 2, 3]})

    settings = ClioSettings(home=str(tmp_path))
    result = materialize(
        [accounts], resources={"settings": settings, "io_manager": RestrictedFileIOManager(settings=settings)}
    )
    meta = _metadata(result, "accounts")
    assert meta["dagster/row_count"] == 3
    schema = meta["dagster/column_schema"]
    assert isinstance(schema, TableSchema)
    assert [(c.name, c.type) for c in schema.columns] == [("user_id", "String"), ("turns", "Int64")]


def test_a_window_input_loads_the_partitions_that_exist(tmp_path):
    """A self-dependent asset's trailing window: days never materialised are skipped, not an error."""
    from dagster import AssetIn, DailyPartitionsDefinition, TimeWindowPartitionMapping

    from clio_dagster.resources.settings import ClioSettings
    from clio_dagster.resources.storage import RestrictedFileIOManager

    days = DailyPartitionsDefinition(start_date="2026-01-01")
    window = TimeWindowPartitionMapping(start_offset=-3, end_offset=-1)

    @asset(
        partitions_def=days,
        ins={"earlier": AssetIn("daily_rows", partition_mapping=window, metadata={"window": True})},
    )
    def daily_rows(context, earlier: pl.DataFrame) -> pl.DataFrame:
        seen = earlier["day"].to_list() if earlier.width else []
        return pl.DataFrame({"day": [context.partition_key], "seen": [",".join(seen)]})

    settings = ClioSettings(home=str(tmp_path))
    resources = {"settings": settings, "io_manager": RestrictedFileIOManager(settings=settings)}
    for day in ("2026-01-02", "2026-01-04", "2026-01-05"):
        assert materialize([daily_rows], partition_key=day, resources=resources).success
    stored = pl.read_parquet(settings.get().restricted_partition("2026-01-05") / "daily_rows.parquet")
    assert stored["seen"].to_list() == ["2026-01-02,2026-01-04"]
    first = pl.read_parquet(settings.get().restricted_partition("2026-01-02") / "daily_rows.parquet")
    assert first["seen"].to_list() == [""]


def test_a_window_input_loads_days_stored_before_a_column_was_added(tmp_path):
    """An asset that gains a column (the taxonomy's member floors) still loads its earlier days:
    the new column is null on them."""
    from dagster import AssetIn, DailyPartitionsDefinition, TimeWindowPartitionMapping

    from clio_dagster.resources.settings import ClioSettings
    from clio_dagster.resources.storage import RestrictedFileIOManager

    days = DailyPartitionsDefinition(start_date="2026-01-01")
    window = TimeWindowPartitionMapping(start_offset=-3, end_offset=-1)
    loaded: list[pl.DataFrame] = []

    def rows_asset(with_floor: bool):
        @asset(
            name="rows",
            partitions_def=days,
            ins={"earlier": AssetIn("rows", partition_mapping=window, metadata={"window": True})},
        )
        def rows(context, earlier: pl.DataFrame) -> pl.DataFrame:
            loaded.append(earlier)
            frame = pl.DataFrame({"day": [context.partition_key]})
            return frame.with_columns(pl.lit(0.5).alias("floor")) if with_floor else frame

        return rows

    settings = ClioSettings(home=str(tmp_path))
    resources = {"settings": settings, "io_manager": RestrictedFileIOManager(settings=settings)}
    assert materialize([rows_asset(False)], partition_key="2026-01-02", resources=resources).success
    assert materialize([rows_asset(True)], partition_key="2026-01-03", resources=resources).success
    assert materialize([rows_asset(True)], partition_key="2026-01-04", resources=resources).success
    assert loaded[-1].sort("day").to_dicts() == [
        {"day": "2026-01-02", "floor": None},
        {"day": "2026-01-03", "floor": 0.5},
    ]
