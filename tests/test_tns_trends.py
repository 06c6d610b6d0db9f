"""Stable ids across days, growth, emerging flags, alerts, and assignment to a taxonomy."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from clio_dagster.core.taxonomy.trends import (
    TRENDS_SCHEMA,
    TrendParams,
    assign_to_taxonomy,
    node_centroids,
    snapshot,
    track_nodes,
    trend_alerts,
    unit_rows,
)

DIM = 32
BASE = unit_rows(np.random.default_rng(0).standard_normal((5, DIM)))  # the topics


def _day(topics: list[int], shares: list[float], seed: int, concern: list[float] | None = None):
    """Nodes named by the builder's own (unstable) ids, centroids jittered around their topic."""
    rng = np.random.default_rng(seed)
    centroids = unit_rows(BASE[topics] + 0.05 * rng.standard_normal((len(topics), DIM)))
    ids = [f"n{seed}-{i}" for i in range(len(topics))]
    nodes = pl.DataFrame(
        {
            "node_id": ids,
            "depth": [1] * len(topics),
            "share": shares,
            "concerning_mean": concern or [1.5] * len(topics),
        }
    )
    return nodes, centroids


def _run(days):
    """Tracks each day against the snapshots of the days before; returns each day's trends."""
    history = pl.DataFrame(schema=snapshot("x", [], [], [], [], np.zeros((0, DIM))).schema)
    results = []
    for date, (nodes, centroids) in days:
        trends = track_nodes(date, nodes, centroids, history)
        assert trends.schema == TRENDS_SCHEMA
        results.append(trends)
        history = pl.concat(
            [
                history,
                snapshot(
                    date,
                    trends["stable_id"].to_list(),
                    nodes["depth"].to_list(),
                    nodes["share"].to_list(),
                    nodes["concerning_mean"].to_list(),
                    centroids,
                ),
            ]
        )
    return results


def test_ids_persist_and_emerging_only_on_its_day():
    days = [
        ("2026-11-20", _day([0, 1, 2], [0.5, 0.3, 0.2], seed=1)),
        ("2026-11-21", _day([2, 0, 1], [0.2, 0.5, 0.3], seed=2)),  # same topics, new order and ids
        ("2026-11-22", _day([0, 1, 2, 3], [0.45, 0.25, 0.2, 0.1], seed=3)),  # topic 3 appears
        ("2026-11-23", _day([3, 0, 1, 2], [0.12, 0.45, 0.25, 0.18], seed=4)),
    ]
    first, second, third, fourth = _run(days)
    assert not first["emerging"].any()  # no history: nothing can be called new
    assert first["previous_share"].is_null().all() and first["growth"].is_null().all()
    assert second["stable_id"].to_list() == [
        first["stable_id"][2],
        first["stable_id"][0],
        first["stable_id"][1],
    ]
    assert not second["emerging"].any()
    assert second["previous_share"].to_list() == [0.2, 0.5, 0.3]
    assert third["emerging"].to_list() == [False, False, False, True]
    assert third["stable_id"][3] == "n3-3@2026-11-22"
    assert fourth["stable_id"][0] == "n3-3@2026-11-22" and not fourth["emerging"].any()
    assert fourth["previous_share"][0] == pytest.approx(0.1)
    assert len(set(fourth["stable_id"])) == 4


def test_one_to_one_matching_and_similarity_bar():
    days = [("2026-11-20", _day([0], [1.0], seed=1)), ("2026-11-21", _day([0, 0], [0.5, 0.5], seed=2))]
    _, second = _run(days)
    assert second["matched_similarity"].null_count() == 1  # only one of the two inherits the id
    assert second["emerging"].sum() == 0  # a topic split in two is not a new topic
    unrelated = [("2026-11-20", _day([0], [1.0], seed=1)), ("2026-11-21", _day([4], [1.0], seed=2))]
    assert _run(unrelated)[1]["emerging"].to_list() == [True]


def test_window_forgets_old_days_and_growth_of_concerning_nodes():
    days = [
        ("2026-11-01", _day([0, 4], [0.9, 0.1], seed=1)),
        ("2026-11-20", _day([0, 1], [0.98, 0.02], seed=2, concern=[1.2, 4.0])),
        ("2026-11-21", _day([0, 1], [0.9, 0.1], seed=3, concern=[1.2, 4.1])),
    ]
    _, second, third = _run(days)
    assert second["emerging"].all()  # 2026-11-01 is outside the 7-day window
    assert second["trailing_mean_share"].is_null().all()
    assert third["growth"][1] == pytest.approx(5.0)
    assert third["fast_growing_concerning"].to_list() == [False, True]
    alerts = trend_alerts(third)
    assert [(a["kind"], a["node_id"]) for a in alerts] == [
        ("fast_growing_concerning", second["stable_id"][1])
    ]
    emerging_alerts = trend_alerts(second, emerging_share=0.05)
    assert [a["kind"] for a in emerging_alerts] == ["emerging"]
    strict = track_nodes("2026-11-21", *days[2][1], _history_of(days[:2]), TrendParams(growth_threshold=10))
    assert strict["fast_growing_concerning"].sum() == 0 and strict["growth"][1] == pytest.approx(5.0)


def _history_of(days):
    frames = []
    for date, (nodes, centroids) in days:
        frames.append(
            snapshot(
                date,
                nodes["node_id"].to_list(),
                nodes["depth"].to_list(),
                nodes["share"].to_list(),
                nodes["concerning_mean"].to_list(),
                centroids,
            )
        )
    return pl.concat(frames)


def test_assign_to_taxonomy_and_node_centroids():
    rng = np.random.default_rng(1)
    points = unit_rows(
        np.vstack(
            [
                BASE[0] + 0.05 * rng.standard_normal((4, DIM)),
                BASE[1] + 0.05 * rng.standard_normal((3, DIM)),
                rng.standard_normal((1, DIM)),
            ]
        )
    )
    labels = assign_to_taxonomy(points, BASE[:2] * 3.0, min_similarity=0.8, chunk_size=3)
    assert labels.dtype == np.int32 and labels.tolist() == [0, 0, 0, 0, 1, 1, 1, -1]
    assert (assign_to_taxonomy(points, np.zeros((0, DIM)), 0.5) == -1).all()
    paths = [["t", "a"]] * 4 + [["t", "b"]] * 3 + [None]
    ids, centroids = node_centroids(points, paths)
    assert ids == ["a", "b", "t"]
    assert centroids @ BASE[0] == pytest.approx(
        [centroids[0] @ BASE[0], centroids[1] @ BASE[0], centroids[2] @ BASE[0]]
    )
    assert centroids[0] @ BASE[0] > 0.95 and centroids[1] @ BASE[1] > 0.95
    assert np.linalg.norm(centroids, axis=1) == pytest.approx(1.0)


def test_parent_is_emerging_only_if_all_children_are():
    from clio_dagster.core.taxonomy.trends import settle_parents

    trends = pl.DataFrame(
        {
            "node_id": ["top", "mid_old", "mid_new", "leaf_old", "leaf_new", "leaf_new2"],
            "depth": [0, 1, 1, 2, 2, 2],
            "emerging": [True, True, True, False, True, True],
        }
    )
    parent_of = {
        "top": None,
        "mid_old": "top",
        "mid_new": "top",
        "leaf_old": "mid_old",
        "leaf_new": "mid_old",
        "leaf_new2": "mid_new",
    }
    settled = dict(zip(*settle_parents(trends, parent_of).select("node_id", "emerging"), strict=True))
    assert settled == {
        "top": False,  # holds an old topic below it
        "mid_old": False,
        "mid_new": True,
        "leaf_old": False,
        "leaf_new": True,
        "leaf_new2": True,
    }


def test_emerging_bar_is_on_the_best_match_across_depths_and_days():
    history = _history_of([("2026-11-20", _day([0, 1], [0.5, 0.5], seed=1))])
    nodes, centroids = _day([1, 3], [0.5, 0.5], seed=2)
    nodes = nodes.with_columns(pl.Series("depth", [2, 2], dtype=pl.Int64))  # no depth-2 history
    trends = track_nodes("2026-11-21", nodes, centroids, history)
    assert trends["matched_similarity"].is_null().all()  # ids: matched per depth only
    assert trends["emerging"].to_list() == [False, True]  # topic 1 exists at another depth
    assert trends["history_similarity"][0] > 0.9 > TrendParams().emerging_similarity
    never = track_nodes("2026-11-21", nodes, centroids, history, TrendParams(emerging_similarity=-1.0))
    assert not never["emerging"].any()
