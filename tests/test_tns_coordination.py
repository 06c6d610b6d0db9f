"""Coordinated activity: a planted templated spam network among organic and heavy users."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from clio_dagster.core.safety.coordination import (
    COORDINATED_SCHEMA,
    CoordinationParams,
    detect_coordination,
    template_texts,
)
from clio_dagster.core.safety.minhash import estimated_jaccard, minhash_signatures

_spec = importlib.util.spec_from_file_location("tns_support", Path(__file__).with_name("tns_support.py"))
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_network_found_with_high_precision_and_recall(seed):
    frame, embeddings, spam = support.coordination_corpus(seed=seed)
    out = detect_coordination(frame, embeddings)
    assert out.schema == COORDINATED_SCHEMA
    precision, recall = support.precision_recall(set(out["user_id"]), spam)
    assert precision >= 0.9 and recall >= 0.9
    assert not any(user.startswith("heavy") for user in out["user_id"])
    group = out.filter(pl.col("group_id") == 0).row(0, named=True)
    assert group["group_accounts"] == out.filter(pl.col("group_id") == 0).height
    assert {"review", "discount", "code"} <= set(group["template_words"].split())
    assert sum(group["hour_histogram"]) == group["group_conversations"]
    assert group["peak_hour_share"] > 0.5  # the network posted in a burst
    assert (out["conversation_count"] <= out["total_conversations"]).all()


def test_same_question_from_three_accounts_is_a_group_but_one_repeater_is_not():
    frame, _, _ = support.coordination_corpus(organic_users=40, spam_accounts=0, seed=3)
    day = datetime(2026, 11, 20, 9, tzinfo=UTC)
    text = "give me ten catchy slogans for my new crypto token launch with emojis and hashtags"
    extra = pl.DataFrame(
        [
            {
                "conversation_id": f"x{i}",
                "user_id": f"alt{i % 3}",
                "text": text,
                "request": "slogans for a token",
                "created_at": day + timedelta(minutes=i),
            }
            for i in range(9)
        ]
    ).with_columns(pl.col("created_at").dt.cast_time_unit("us"))
    both = pl.concat([frame, extra.select(frame.columns)])
    out = detect_coordination(both, support.embed_words(both["text"].to_list()))
    assert set(out["user_id"]) == {"alt0", "alt1", "alt2"}
    assert out["group_conversations"][0] == 9
    # the same with two accounts stays below min_accounts=3
    two = both.filter(pl.col("user_id") != "alt2")
    assert detect_coordination(two, support.embed_words(two["text"].to_list())).height == 0


def test_popular_question_asked_once_by_many_users_is_not_a_group():
    frame, embeddings, _ = support.coordination_corpus(spam_accounts=0, heavy_users=0, seed=4)
    assert frame.filter(pl.col("text") == support.POPULAR).height >= 30
    assert detect_coordination(frame, embeddings).height == 0


def test_template_signal_is_required_not_just_similar_embeddings():
    frame, embeddings, spam = support.coordination_corpus(seed=0)
    # same embeddings for everything: meaning alone must not link accounts
    flat = np.tile(embeddings[:1], (len(embeddings), 1))
    shuffled = frame.with_columns(pl.col("text").shuffle(seed=1))
    found = set(detect_coordination(shuffled, flat)["user_id"])
    assert len(found & spam) < len(spam) // 2


def test_edge_cases_and_bad_input():
    frame, embeddings, _ = support.coordination_corpus(organic_users=5, spam_accounts=0, heavy_users=0)
    assert detect_coordination(frame.head(0), embeddings[:0]).schema == COORDINATED_SCHEMA
    assert detect_coordination(frame.head(1), embeddings[:1]).height == 0
    short = frame.with_columns(pl.lit("hi there").alias("text"))
    assert detect_coordination(short, embeddings).height == 0  # too short to be a template
    with pytest.raises(ValueError, match="embeddings"):
        detect_coordination(frame, embeddings[:-1])


def test_approximate_index_path_agrees_with_exact():
    frame, embeddings, spam = support.coordination_corpus(seed=5)
    params = CoordinationParams(exact_search_below=10, reduced_dim=32, chunk_size=128)
    found = set(detect_coordination(frame, embeddings, params)["user_id"])
    precision, recall = support.precision_recall(found, spam)
    assert precision >= 0.9 and recall >= 0.9


def test_minhash_estimates_jaccard_and_template_texts():
    texts = pl.Series(["a b c d e f g h", "a b c d e f g x", "p q r s t u v w", ""])
    sig = minhash_signatures(texts, num_perm=128, shingle_size=2)
    jac = estimated_jaccard(sig, np.array([[0, 1], [0, 2]]))
    assert 0.6 < jac[0] < 0.9 and jac[1] < 0.1  # true values 6/8 and 0
    conversations = pl.DataFrame(
        {
            "messages": [
                [
                    {"role": "system", "content": "sys"},
                    {"role": "user", "content": "hello"},
                    {"role": "assistant", "content": "hi"},
                    {"role": "user", "content": "again"},
                ]
            ]
        }
    )
    assert template_texts(conversations).to_list() == ["hello again"]
