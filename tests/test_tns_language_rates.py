"""Language base rates: over-representation ratios, their intervals and the ranking."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from clio_dagster.core.safety.language_rates import (
    LANGUAGE_RATES_SCHEMA,
    language_rates,
    most_language_specific,
    ratio_interval,
)


def _rows(seed: int = 0) -> pl.DataFrame:
    """'football' is 30% of German but 5% of English; 'rare-de' is 3 German rows and 1 English."""
    rng = np.random.default_rng(seed)
    rows = []
    for language, n, football in (("en", 2000, 0.05), ("de", 500, 0.30)):
        for _ in range(n):
            topic = "football" if rng.random() < football else "coding"
            rows.append({"language": language, "node_path": ["top", topic]})
    rows += [{"language": language, "node_path": ["top", "rare-de"]} for language in ("de", "de", "de", "en")]
    rows += [{"language": "fr", "node_path": ["top", "coding"]} for _ in range(40)]
    rows += [{"language": "en", "node_path": None}, {"language": None, "node_path": ["top", "coding"]}]
    return pl.DataFrame(rows, schema={"language": pl.Utf8, "node_path": pl.List(pl.Utf8)})


def test_over_representation_and_interval():
    rates = language_rates(_rows())
    assert rates.schema == LANGUAGE_RATES_SCHEMA
    row = rates.filter((pl.col("node_id") == "football") & (pl.col("language") == "de")).row(0, named=True)
    assert row["share_in_language"] == pytest.approx(
        row["conversation_count"] / row["language_conversations"]
    )
    assert row["language_conversations"] == 503
    assert row["ratio"] == pytest.approx(row["share_in_language"] / row["share_overall"])
    assert 1.0 < row["ci_low"] < row["ratio"] < row["ci_high"]
    top = rates.filter(pl.col("node_id") == "top")
    assert (
        np.allclose(top["ratio"].to_numpy(), 1.0, atol=1e-3)
        and (top["ci_low"] <= 1).all()
        and (top["ci_high"] >= 1).all()
    )
    en = rates.filter((pl.col("node_id") == "football") & (pl.col("language") == "en")).row(0, named=True)
    assert en["ci_high"] < 1.0  # under-represented in English


def test_ranking_prefers_certain_over_tiny():
    rates = language_rates(_rows())

    def de(node):
        return rates.filter((pl.col("node_id") == node) & (pl.col("language") == "de")).row(0, named=True)

    assert de("rare-de")["ratio"] > de("football")["ratio"]  # a bigger ratio on three conversations...
    ranked = most_language_specific(rates, min_conversations=1)
    assert ranked["node_id"][0] == "football" and ranked["language"][0] == "de"  # ...ranks below
    assert ranked["ci_low"].is_sorted(descending=True) and (ranked["ci_low"] > 1).all()
    assert "rare-de" not in most_language_specific(rates, min_conversations=5)["node_id"].to_list()
    assert most_language_specific(rates, allowed_node_ids={"top"}).height == 0


def test_interval_coverage_by_simulation():
    rng = np.random.default_rng(7)
    p_language, p_node_in, p_node_out, total = 0.2, 0.1, 0.05, 3000
    true_ratio = p_node_in / (p_language * p_node_in + (1 - p_language) * p_node_out)
    covered = 0
    for _ in range(400):
        in_language = rng.random(total) < p_language
        in_node = rng.random(total) < np.where(in_language, p_node_in, p_node_out)
        _, low, high = ratio_interval(
            np.array([np.sum(in_language & in_node)]),
            np.array([in_node.sum()]),
            np.array([in_language.sum()]),
            total,
        )
        covered += low[0] <= true_ratio <= high[0]
    assert 0.91 <= covered / 400 <= 0.99


def test_empty_and_no_paths():
    assert language_rates(_rows().head(0)).height == 0
    no_paths = _rows().with_columns(pl.lit(None, pl.List(pl.Utf8)).alias("node_path"))
    assert language_rates(no_paths).schema == LANGUAGE_RATES_SCHEMA
