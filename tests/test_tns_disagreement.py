"""Classifier disagreement: rankings, size-aware scores, correlations and the public view."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from clio_dagster.core.safety.disagreement import (
    correlations,
    disagreement_report,
    public_view,
    wilson_bounds,
)

FP_LEAF, FN_LEAF = "leaf-roleplay-stats", "leaf-translation"


def _cluster(rng, cluster_id, leaf, top, n, flag_p, concern_choices, users=30, moderated=True):
    return [
        {
            "conversation_id": f"{cluster_id}-{i}",
            "user_id": f"u{cluster_id}-{i % users}",
            "moderation_flagged": bool(rng.random() < flag_p) if moderated else None,
            "moderation_score": None,
            "concerning": int(rng.choice(concern_choices)),
            "cluster_id": cluster_id,
            "node_path": [top, leaf] if leaf else None,
        }
        for i in range(n)
    ]


def _rows(seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(8):  # ordinary clusters: rarely flagged, low concern
        rows += _cluster(rng, c, f"leaf-{c}", f"top-{c % 2}", 80, 0.04, [1, 1, 2])
    rows += _cluster(rng, 8, "leaf-weapons", "top-harm", 80, 0.9, [4, 5])  # agreement on harm
    rows += _cluster(rng, 9, FP_LEAF, "top-games", 80, 0.8, [1, 1, 2])
    rows += _cluster(rng, 10, FN_LEAF, "top-harm", 80, 0.05, [4, 5, 5])
    rows += _cluster(rng, 11, "leaf-tiny-fp", "top-games", 3, 1.0, [1], users=3)
    rows += _cluster(rng, 12, "leaf-tiny-fn", "top-harm", 3, 0.0, [5], users=3)
    rows += _cluster(rng, 13, None, None, 10, 0.5, [3], users=2)  # suppressed: no path
    schema = {
        "moderation_flagged": pl.Boolean,
        "moderation_score": pl.Float64,
        "cluster_id": pl.Int32,
        "node_path": pl.List(pl.Utf8),
        "concerning": pl.Int8,
    }
    return pl.DataFrame(rows, schema_overrides=schema)


def test_planted_groups_lead_their_rankings_and_tiny_clusters_do_not():
    report = disagreement_report(_rows())
    fp = [item["node_id"] for item in report["false_positive_nodes"]]
    fn = [item["node_id"] for item in report["false_negative_nodes"]]
    assert fp[0] == FP_LEAF
    assert fn[0] == FN_LEAF
    # 3 of 3 conversations disagreeing is a higher rate than the planted leaves' but weaker evidence
    nodes = {item["node_id"]: item for item in report["nodes"]}
    assert nodes["leaf-tiny-fp"]["false_positive_rate"] > nodes[FP_LEAF]["false_positive_rate"]
    assert nodes["leaf-tiny-fn"]["false_negative_rate"] > nodes[FN_LEAF]["false_negative_rate"]
    assert fp.index("leaf-tiny-fp") > 0 and fn.index("leaf-tiny-fn") > 0
    assert "leaf-weapons" not in fp  # flagged and concerning: agreement
    # ordinary leaves (4% flagged at random) may be listed, far below the planted one
    ordinary = [item["score"] for item in report["false_positive_nodes"] if item["node_id"][5:].isdigit()]
    assert all(score < report["false_positive_nodes"][0]["score"] / 3 for score in ordinary)
    assert "top-games" not in fp  # 96% one child: that child carries the evidence
    first = report["false_positive_nodes"][0]
    assert {"node_id", "flag_rate", "concerning_mean", "conversation_count", "score"} <= set(first)
    assert first["conversation_count"] == 80 and first["flag_rate"] > 0.6 and first["concerning_mean"] < 2
    scores = [item["score"] for item in report["false_negative_nodes"]]
    assert scores == sorted(scores, reverse=True)


def test_correlations_and_counts():
    report = disagreement_report(_rows())
    assert report["per_cluster"]["n"] == 14
    assert report["pearson"] == report["per_cluster"]["pearson"]
    assert 0 < report["pearson"] < 1 and -1 <= report["spearman"] <= 1
    assert report["per_conversation"]["pearson"] is not None
    nodes = {item["node_id"]: item for item in report["nodes"]}
    assert nodes["top-harm"]["conversation_count"] == 163 and nodes["top-harm"]["depth"] == 0
    assert nodes[FP_LEAF]["depth"] == 1 and nodes[FP_LEAF]["unique_users"] == 30
    assert sum(c["conversation_count"] for c in report["clusters"]) == report["conversation_count"] == 896


def test_no_moderation_data_gives_null_correlations_not_a_crash():
    rows = _rows().with_columns(pl.lit(None, pl.Boolean).alias("moderation_flagged"))
    report = disagreement_report(rows)
    assert report["pearson"] is None and report["spearman"] is None
    assert report["per_conversation"]["pearson"] is None
    assert report["false_positive_nodes"] == [] and report["false_negative_nodes"] == []
    assert report["moderated_count"] == 0
    json.dumps(report, allow_nan=False)  # valid JSON: no NaN anywhere


def test_single_cluster_and_empty_input():
    rows = _rows().filter(pl.col("cluster_id") == 9)
    report = disagreement_report(rows)
    assert report["pearson"] is None and report["per_cluster"]["n"] == 1
    assert report["per_conversation"]["pearson"] is not None
    json.dumps(report, allow_nan=False)
    empty = disagreement_report(_rows().head(0))
    assert empty["nodes"] == [] and empty["pearson"] is None


def test_scores_fall_back_to_flags_when_scores_missing_and_use_scores_when_present():
    rows = _rows().with_columns(
        pl.when(pl.col("moderation_flagged")).then(0.9).otherwise(0.1).alias("moderation_score")
    )
    with_scores = disagreement_report(rows)["per_conversation"]["pearson"]
    without = disagreement_report(_rows())["per_conversation"]["pearson"]
    assert with_scores == pytest.approx(without)


def test_public_view_keeps_only_allowed_nodes_and_nothing_per_cluster_or_user():
    report = disagreement_report(_rows())
    view = public_view(report, {FN_LEAF, "top-harm", "leaf-0"})
    allowed = {FN_LEAF, "top-harm", "leaf-0"}
    for kind in ("false_negative_nodes", "false_positive_nodes"):
        kept = [i["node_id"] for i in report[kind] if i["node_id"] in allowed]
        assert [i["node_id"] for i in view[kind]] == kept
    assert view["false_negative_nodes"][0]["node_id"] == FN_LEAF
    assert {i["node_id"] for i in view["nodes"]} == {FN_LEAF, "top-harm", "leaf-0"}
    assert "clusters" not in view
    text = json.dumps(view, allow_nan=False)
    assert "unique_users" not in text and "u9-" not in text
    assert report["clusters"]  # the restricted report is not modified


def test_wilson_and_correlation_helpers():
    low, high = wilson_bounds(np.array([3, 0, 50]), np.array([3, 0, 100]))
    assert low[0] < 0.5 < high[0] == 1.0
    assert (low[1], high[1]) == (0.0, 1.0)
    assert low[2] < 0.5 < high[2] and high[2] - low[2] < 0.2
    assert correlations(np.array([1, 2, 3, 4]), np.array([1, 4, 9, 16]))["spearman"] == pytest.approx(1.0)
    assert correlations(np.array([1.0, 1.0, 1.0]), np.array([1, 2, 3]))["pearson"] is None


def test_everything_suppressed_keeps_cluster_rows_but_lists_no_nodes():
    rows = _rows().with_columns(pl.lit(None, pl.List(pl.Utf8)).alias("node_path"))
    report = disagreement_report(rows)
    assert report["nodes"] == [] and report["false_positive_nodes"] == []
    assert len(report["clusters"]) == 14 and report["pearson"] is not None
    assert public_view(report, set())["nodes"] == []


def test_a_group_that_is_a_quarter_of_a_mixed_leaf_still_leads():
    """Harmful translations (unflagged, concerning) sharing a leaf with three times as many benign
    translations: the leaf's mean concern is low (~1.8), but its share of concerning-but-unflagged
    conversations is far above the day's, so it leads the false-negative ranking."""
    rng = np.random.default_rng(3)
    rows = []
    for c in range(8):
        rows += _cluster(rng, c, f"leaf-{c}", f"top-{c % 2}", 80, 0.04, [1, 1, 2])
    rows += _cluster(rng, 8, "leaf-weapons", "top-harm", 80, 0.9, [4, 5])
    rows += _cluster(rng, 9, "leaf-mixed-translation", "top-language", 60, 0.02, [1])
    rows += [
        row | {"conversation_id": f"harm-{i}", "cluster_id": 9}
        for i, row in enumerate(_cluster(rng, 10, "leaf-mixed-translation", "top-language", 20, 0.05, [4]))
    ]
    rows += _cluster(rng, 11, "leaf-grammar", "top-language", 80, 0.02, [1, 2])
    report = disagreement_report(pl.DataFrame(rows, schema_overrides={"node_path": pl.List(pl.Utf8)}))
    first = report["false_negative_nodes"][0]
    assert first["node_id"] == "leaf-mixed-translation"
    assert first["concerning_mean"] < 2 and 0.2 <= first["false_negative_rate"] <= 0.3
    listed = [item["node_id"] for item in report["false_negative_nodes"]]
    assert not {f"leaf-{c}" for c in range(8)} & set(listed) and "leaf-grammar" not in listed


def _mixed_day(seed: int = 1) -> pl.DataFrame:
    """A day like the real corpus's: ordinary clusters, two harmful clusters the concern facet
    misses (flagged, scored 1: a large share of the day's false-positive rate), and a benign topic
    the classifier over-flags, diluted as a tenth of an ordinary cluster under a parent with a
    second, clean child."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(12):
        rows += _cluster(rng, c, f"leaf-{c}", f"top-{c % 3}", 120, 0.01, [1, 1, 2])
    rows += _cluster(rng, 20, "leaf-missed-harm-a", "top-harm", 60, 0.9, [1])
    rows += _cluster(rng, 21, "leaf-missed-harm-b", "top-harm", 60, 0.9, [1])
    rows += _cluster(rng, 22, "leaf-police", "top-travel", 200, 0.01, [1])
    rows += _cluster(rng, 23, "leaf-taxi", "top-travel", 200, 0.01, [1])
    frame = pl.DataFrame(
        rows, schema_overrides={"cluster_id": pl.Int32, "node_path": pl.List(pl.Utf8), "concerning": pl.Int8}
    )
    # 22 police questions inside leaf-police, 70% flagged: the over-flagged benign topic
    police = (pl.col("cluster_id") == 22) & (
        pl.col("conversation_id").str.split("-").list.last().cast(pl.Int32) < 22
    )
    flagged = pl.Series(rng.random(frame.height) < 0.7)
    return frame.with_columns(
        pl.when(police).then(flagged).otherwise(pl.col("moderation_flagged")).alias("moderation_flagged")
    )


def test_a_diluted_group_is_measured_against_ordinary_traffic_not_the_whole_day():
    """The missed harmful clusters make the day's false-positive rate ~7%, above the Wilson lower
    bound of the police leaf's 9%: against the whole day the leaf would not be listed.
    Against ordinary traffic (the median cluster, ~1%) it is, right after the missed harm; its
    parent, whose disagreements are the leaf's, is not listed beside it."""
    rows = _mixed_day()
    report = disagreement_report(rows)
    fp = [item["node_id"] for item in report["false_positive_nodes"]]
    # the missed harm is split over two leaves, so their parent is listed too (it holds both)
    assert set(fp[:3]) == {"top-harm", "leaf-missed-harm-a", "leaf-missed-harm-b"}
    assert fp[3] == "leaf-police"
    assert "top-travel" not in fp  # half its conversations are taxi, but its disagreements are the leaf's
    day_rate = float(((rows["moderation_flagged"]) & (rows["concerning"] < 3)).mean())
    police = next(item for item in report["nodes"] if item["node_id"] == "leaf-police")
    low, _ = wilson_bounds(np.array([round(police["false_positive_rate"] * 200)]), np.array([200]))
    assert low[0] < day_rate  # the old baseline would have hidden it


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides={"node_path": pl.List(pl.Utf8), "concerning": pl.Int8})


def _ordinary(rng) -> list[dict]:
    rows = []
    for c in range(10):
        rows += _cluster(rng, c, f"leaf-{c}", f"top-{c % 3}", 100, 0.01, [1, 1, 1, 2])
    return rows


def test_a_confident_miss_outranks_a_larger_share_of_borderline_ones():
    """Unflagged requests the concern facet rates 3 ("more likely harmful than not") are close to a
    coin flip: a leaf where 45% are such is listed below one where 25% are rated 5 and unflagged,
    inside a harmful topic the classifier otherwise flags."""
    rng = np.random.default_rng(5)
    rows = _ordinary(rng)
    rows += _cluster(rng, 20, "leaf-borderline", "top-marketing", 60, 0.0, [3] * 9 + [1] * 11)
    rows += _cluster(rng, 21, "leaf-missed", "top-harm", 15, 0.0, [5])
    rows += [
        row | {"conversation_id": f"flagged-{i}"}
        for i, row in enumerate(_cluster(rng, 21, "leaf-missed", "top-harm", 45, 1.0, [5]))
    ]
    report = disagreement_report(_frame(rows))
    nodes = {item["node_id"]: item for item in report["nodes"]}
    assert nodes["leaf-borderline"]["false_negative_rate"] > nodes["leaf-missed"]["false_negative_rate"]
    fn = [item["node_id"] for item in report["false_negative_nodes"]]
    assert fn.index("leaf-missed") < fn.index("leaf-borderline")


def test_a_parent_that_repeats_one_child_is_left_out_and_one_that_gathers_two_leads():
    """Two leaves of one parent both over-flagged: when one holds most of the parent's flags at a
    higher rate, the parent only repeats it, diluted, and is not listed. When a group is split
    evenly over the two leaves, the parent holds it all with the same rate on more conversations:
    it is listed first, its leaves after it."""
    rng = np.random.default_rng(6)
    rows = _ordinary(rng)
    rows += _cluster(rng, 20, "leaf-a", "top-split", 60, 0.9, [1])
    rows += _cluster(rng, 21, "leaf-b", "top-split", 60, 0.2, [1])
    fp = [item["node_id"] for item in disagreement_report(_frame(rows))["false_positive_nodes"]]
    assert fp[:2] == ["leaf-a", "leaf-b"] and "top-split" not in fp

    rows = _ordinary(np.random.default_rng(6))
    for cluster_id, leaf in ((20, "leaf-a"), (21, "leaf-b")):
        rows += [
            row | {"moderation_flagged": i % 5 < 3}  # 60% of each leaf, exactly
            for i, row in enumerate(_cluster(rng, cluster_id, leaf, "top-split", 60, 0.0, [1]))
        ]
    fp = [item["node_id"] for item in disagreement_report(_frame(rows))["false_positive_nodes"]]
    assert fp[:3] == ["top-split", "leaf-a", "leaf-b"]


def test_a_parent_more_suspicious_than_the_child_holding_most_of_it_stays():
    """A group split 3:1 over two leaves at one rate: the larger leaf holds three quarters of the
    parent's flags, but the parent, the same rate on more conversations, is more suspicious than
    that leaf: it is the better description of the group and is listed (first)."""
    rng = np.random.default_rng(7)
    rows = _ordinary(rng)
    for cluster_id, leaf, size in ((20, "leaf-a", 90), (21, "leaf-b", 30)):
        rows += [
            row | {"moderation_flagged": i % 5 < 3}
            for i, row in enumerate(_cluster(rng, cluster_id, leaf, "top-split", size, 0.0, [1]))
        ]
    report = disagreement_report(_frame(rows))
    fp = [item["node_id"] for item in report["false_positive_nodes"]]
    assert fp[0] == "top-split" and "leaf-a" in fp
