"""Per-step timings and peak memory land in every materialisation's metadata."""

from __future__ import annotations

import time

import numpy as np
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
