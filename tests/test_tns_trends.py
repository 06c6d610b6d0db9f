"""Stable ids across days, growth, emerging flags, alerts, and assignment to a taxonomy.

Emerging is decided from each node's measured novelty (``novel_share``, ``novel_sampled``); the
crafted days of ``_day`` give it directly, and the tests at the end measure it from embeddings."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from clio_dagster.core.taxonomy.stable_ids import track_hierarchy
from clio_dagster.core.taxonomy.trends import (
    CLUSTER_DEPTH,
    SNAPSHOT_SCHEMA,
    TRENDS_SCHEMA,
    TrendParams,
    assign_to_taxonomy,
    member_floors,
    node_centroids,
    novel_rows,
    novelty_sample,
    snapshot,
    track_nodes,
    trailing_window,
    trend_alerts,
    unit_rows,
    wilson_lower,
)
from clio_dagster.schema import HierarchyNode

DIM = 32
BASE = unit_rows(np.random.default_rng(0).standard_normal((5, DIM)))  # the topics


def _day(
    topics: list[int],
    shares: list[float],
    seed: int,
    concern: list[float] | None = None,
    novel: list[float] | None = None,
):
    """Nodes named by the builder's own (unstable) ids, centroids jittered around their topic;
    ``novel``: each node's novel share, measured on 100 of its conversations (default: none novel)."""
    rng = np.random.default_rng(seed)
    centroids = unit_rows(BASE[topics] + 0.05 * rng.standard_normal((len(topics), DIM)))
    ids = [f"n{seed}-{i}" for i in range(len(topics))]
    nodes = pl.DataFrame(
        {
            "node_id": ids,
            "depth": [1] * len(topics),
            "share": shares,
            "concerning_mean": concern or [1.5] * len(topics),
            "novel_share": novel or [0.0] * len(topics),
            "novel_sampled": [100] * len(topics),
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
        ("2026-11-20", _day([0, 1, 2], [0.5, 0.3, 0.2], seed=1, novel=[1.0, 1.0, 1.0])),
        ("2026-11-21", _day([2, 0, 1], [0.2, 0.5, 0.3], seed=2)),  # same topics, new order and ids
        ("2026-11-22", _day([0, 1, 2, 3], [0.45, 0.25, 0.2, 0.1], seed=3, novel=[0.1, 0.0, 0.05, 0.9])),
        ("2026-11-23", _day([3, 0, 1, 2], [0.12, 0.45, 0.25, 0.18], seed=4)),
    ]
    first, second, third, fourth = _run(days)
    assert not first["emerging"].any()  # no history: nothing can be called new, however novel
    assert first["novel_share"].is_null().all()
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
    assert second["emerging"].sum() == 0


def test_window_forgets_old_days_and_growth_of_concerning_nodes():
    days = [
        ("2026-11-01", _day([0, 4], [0.9, 0.1], seed=1)),
        # novel against the window, which holds no day (the novelty is measured on it)
        ("2026-11-20", _day([0, 1], [0.98, 0.02], seed=2, concern=[1.2, 4.0], novel=[1.0, 1.0])),
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


def test_wilson_lower_bound():
    assert wilson_lower(np.array([0.8]), np.array([10]))[0] == pytest.approx(0.4902, abs=1e-4)
    assert wilson_lower(np.array([0.5, 1.0]), np.array([0, 0])).tolist() == [0.0, 0.0]


def test_emerging_needs_a_confident_majority_of_novel_conversations():
    history = _history_of([("2026-11-20", _day([0], [1.0], seed=1))])
    nodes, centroids = _day([1, 2, 3, 4], [0.25] * 4, seed=2, novel=[0.9, 0.6, 0.7, 0.3])
    nodes = nodes.with_columns(pl.Series("novel_sampled", [40, 400, 8, 400]))
    trends = track_nodes("2026-11-21", nodes, centroids, history)
    # lower bounds: 0.9 of 40 -> 0.77; 0.6 of 400 -> 0.55; 0.7 of 8 -> 0.37 (too few); 0.3 of 400
    assert trends["emerging"].to_list() == [True, True, False, False]
    assert trends["novel_share"].to_list() == [0.9, 0.6, 0.7, 0.3]
    stricter = track_nodes("2026-11-21", nodes, centroids, history, TrendParams(emerging_share=0.6))
    assert stricter["emerging"].to_list() == [True, False, False, False]


def test_member_floor_leaves_out_the_least_typical_tenth():
    cosines = np.linspace(0.05, 1.0, 20)  # to the first axis
    rows = np.zeros((20, DIM), dtype=np.float32)
    rows[:, 0], rows[:, 1] = cosines, np.sqrt(1 - cosines**2)
    centroids = np.eye(3, DIM, dtype=np.float32)  # the third has no members
    floors = member_floors(rows, np.zeros(20, dtype=np.int64), centroids, 0.1)
    assert floors[0] == pytest.approx(0.10, abs=1e-6)  # one row below it, one at it, 18 above
    assert np.isnan(floors[1:]).all()


def test_novelty_sample_spreads_over_each_cluster_and_weighs_by_size():
    labels = np.array([0] * 10 + [1] * 3)
    rows, weights = novelty_sample(labels, 4)
    assert rows.tolist() == [0, 3, 6, 9, 10, 11, 12]
    assert weights.tolist() == [2.5] * 4 + [1.0] * 3


def _window(centroids: np.ndarray, floors: list[float | None], depths: list[int]) -> pl.DataFrame:
    ids = [f"c{i}" for i in range(len(floors))]
    frame = snapshot("2026-11-20", ids, depths, [0.1] * len(ids), [1.0] * len(ids), centroids)
    return frame.with_columns(pl.Series("member_floor", floors, dtype=pl.Float64))


def test_a_conversation_is_novel_below_the_floor_of_its_nearest_past_cluster():
    axes = np.eye(3, DIM, dtype=np.float32)
    # a tight topic on axis 0, a broad one on axis 1, and a hierarchy node (never a reference) on axis 2
    window = _window(axes, [0.9, 0.3, None], [CLUSTER_DEPTH, CLUSTER_DEPTH, 0])
    rows = unit_rows(
        np.array(
            [
                axes[0] + 0.2 * axes[2],  # cosine 0.98 to the tight topic: one of its own
                axes[0] + 0.9 * axes[2],  # cosine 0.74: nearer than anything else, yet not its kind
                axes[1] + 2.0 * axes[2],  # cosine 0.45 to the broad topic: within its spread
                axes[2],  # like the node only
                # within the broad topic's spread (0.47) but nearer the tight one (0.79), unlike it
                1.0 * axes[0] + 0.6 * axes[1] + 0.5 * axes[2],
            ]
        )
    )
    every = np.arange(len(rows))
    assert novel_rows(rows, every, window, block=3).tolist() == [False, True, False, True, True]
    assert novel_rows(rows, every, window.clear()).all()  # nothing to be like
    floorless = window.with_columns(pl.lit(None, pl.Float64).alias("member_floor"))
    assert not novel_rows(rows[:3], every[:3], floorless).any()  # stored before floors existed


def test_history_stored_before_member_floors_still_loads():
    old = _history_of([("2026-11-20", _day([0], [1.0], seed=1))]).drop("member_floor")
    window = trailing_window(old, "2026-11-21", 7)
    assert window["member_floor"].is_null().all() and window.height == 1


def _topic(centre: np.ndarray, n: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    return unit_rows(centre + spread * rng.standard_normal((n, DIM)))


def _tracked_day(date: str, topics: list[np.ndarray], history: pl.DataFrame):
    """One leaf per topic (one base cluster each) under a single top node, tracked against ``history``."""
    embeddings = np.vstack(topics)
    labels = np.repeat(np.arange(len(topics)), [len(t) for t in topics])
    base = pl.DataFrame(
        {"conversation_id": [f"{date}-{i}" for i in range(len(labels))], "cluster_id": labels}
    )
    nodes = [
        HierarchyNode(
            id="top",
            parent_id=None,
            depth=0,
            is_leaf=False,
            title="t",
            description="d",
            cluster_ids=list(range(len(topics))),
        )
    ]
    nodes += [
        HierarchyNode(
            id=f"leaf{c}", parent_id="top", depth=1, is_leaf=True, title="t", description="d", cluster_ids=[c]
        )
        for c in range(len(topics))
    ]
    concerning = pl.Series([1] * len(labels))
    return track_hierarchy(date, nodes, base, embeddings, concerning, history, TrendParams(novelty_sample=50))


def test_a_tight_topic_beside_a_tight_old_one_emerges_and_a_repeated_old_question_does_not():
    rng = np.random.default_rng(5)
    tight, broad = BASE[0], BASE[1]
    # cosine 0.67 to the tight topic's centre: a fixed centroid bar (0.58 before) would not call it new
    near = unit_rows((BASE[0] + BASE[2])[None])[0]
    question = _topic(broad, 1, 0.25, rng)[0]  # one question of the broad topic, asked over and over
    history = pl.DataFrame(schema=SNAPSHOT_SCHEMA)
    first = _tracked_day("2026-11-20", [_topic(tight, 80, 0.05, rng), _topic(broad, 80, 0.25, rng)], history)
    history = first.snapshot
    assert (history.filter(pl.col("depth") == CLUSTER_DEPTH)["member_floor"] > 0).all()
    second = _tracked_day(
        "2026-11-21",
        [
            _topic(tight, 80, 0.05, rng),
            _topic(broad, 80, 0.25, rng),
            _topic(near, 60, 0.05, rng),  # new
            _topic(question, 40, 0.01, rng),  # not new, however tight
        ],
        history,
    )
    trends = second.trends.sort("node_id")
    assert trends["node_id"].to_list() == ["leaf0", "leaf1", "leaf2", "leaf3", "top"]
    assert trends["emerging"].to_list() == [False, False, True, False, False]
    assert trends["novel_share"][2] == 1.0 and trends["novel_share"][0] < 0.3
    assert trends["novel_sampled"].to_list() == [50, 50, 50, 40, 190]
    assert {n.id: n.emerging for n in second.nodes}["leaf2@2026-11-21"] is True
