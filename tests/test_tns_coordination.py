"""Coordinated activity: a planted templated network among organic users, heavy repeaters and
crowds of strangers asking one common question."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from clio_dagster.core.safety.coordination import (
    COORDINATED_SCHEMA,
    HISTORY_SCHEMA,
    CoordinationParams,
    detect_coordination,
)
from clio_dagster.core.safety.minhash import estimated_jaccard, minhash_signatures, word_counts, word_lists
from clio_dagster.core.safety.templates import TemplateParams, template_texts

_spec = importlib.util.spec_from_file_location("tns_support", Path(__file__).with_name("tns_support.py"))
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

DAY = datetime(2026, 11, 20, tzinfo=UTC)
CROWD_VARIANTS = (
    "my webcam is not detected after the update, how do i fix it",
    "My webcam is not detected after the update. How do I fix it?",
    "my webcam is not being detected after the update how do i fix it",
    "webcam not detected after the update, how can i fix it",
)


def _rows(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows).with_columns(pl.col("created_at").dt.cast_time_unit("us"))


def _detect(frame: pl.DataFrame, **kwargs):
    return detect_coordination(frame, support.embed_words(frame["text"].to_list()), **kwargs)


def _with_crowd(frame: pl.DataFrame, people: int, texts: tuple[str, ...], minutes: float) -> pl.DataFrame:
    """``people`` strangers, each asking one of ``texts`` once, all within ``minutes`` of 09:00."""
    rng = np.random.default_rng(7)
    crowd = _rows(
        [
            {
                "conversation_id": f"crowd{i}",
                "user_id": f"stranger{i}",
                "text": texts[i % len(texts)],
                "request": "The user asks why a webcam is not detected",
                "created_at": DAY + timedelta(hours=9, minutes=float(rng.uniform(0, minutes))),
            }
            for i in range(people)
        ]
    )
    return pl.concat([frame, crowd.select(frame.columns)])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_network_found_with_high_precision_and_recall(seed):
    frame, embeddings, spam = support.coordination_corpus(seed=seed)
    out = detect_coordination(frame, embeddings, date="2026-11-20").groups
    assert out.schema == COORDINATED_SCHEMA
    precision, recall = support.precision_recall(set(out["user_id"]), spam)
    assert precision >= 0.9 and recall >= 0.9
    assert not any(user.startswith("heavy") for user in out["user_id"])
    group = out.filter(pl.col("group_id") == 0).row(0, named=True)
    assert group["group_accounts"] == out.filter(pl.col("group_id") == 0).height
    assert {"review", "discount", "code"} <= set(group["template_words"].split())
    assert {"glowing", "discount"} <= set(group["payload_words"].split())
    assert sum(group["hour_histogram"]) == group["group_conversations"]
    assert group["peak_hour_share"] > 0.5  # the network posted in a burst
    assert (out["conversation_count"] <= out["total_conversations"]).all()
    assert (out["active_days"] == 1).all()


@pytest.mark.parametrize("minutes", [30, 1440])
def test_crowd_of_strangers_asking_one_question_is_not_a_group(minutes):
    """Forty strangers ask the same troubleshooting question once each, in a burst after an update
    or spread over the day: near-identical wording, even timing, is not coordination."""
    frame, _, spam = support.coordination_corpus(organic_users=60, spam_accounts=15, seed=8)
    both = _with_crowd(frame, 40, CROWD_VARIANTS, minutes)
    out = _detect(both, date="2026-11-20").groups
    assert not any(user.startswith("stranger") for user in out["user_id"])
    assert support.precision_recall(set(out["user_id"]), spam) == (1.0, 1.0)


def test_crowd_sharing_a_rare_product_name_is_not_a_group():
    """A rare word in a question many people ask once (a router model) is not a payload: its users
    do not use it again and again."""
    frame, _, _ = support.coordination_corpus(organic_users=60, spam_accounts=0, heavy_users=0, seed=9)
    texts = tuple(f"{text} on my nighthawk xr7000 router" for text in CROWD_VARIANTS)
    assert _detect(_with_crowd(frame, 40, texts, 60), date="2026-11-20").groups.height == 0


def test_same_question_from_three_accounts_is_a_group_but_one_repeater_is_not():
    frame, _, _ = support.coordination_corpus(organic_users=40, spam_accounts=0, seed=3)
    text = "give me ten catchy slogans for my new crypto token launch with emojis and hashtags"
    extra = _rows(
        [
            {
                "conversation_id": f"x{i}",
                "user_id": f"alt{i % 3}",
                "text": text,
                "request": "slogans for a token",
                "created_at": DAY + timedelta(hours=9, minutes=i),
            }
            for i in range(9)
        ]
    )
    both = pl.concat([frame, extra.select(frame.columns)])
    out = _detect(both, date="2026-11-20").groups
    assert set(out["user_id"]) == {"alt0", "alt1", "alt2"}
    assert out["group_conversations"][0] == 9
    # the same with two accounts stays below min_accounts=3
    assert _detect(both.filter(pl.col("user_id") != "alt2"), date="2026-11-20").groups.height == 0


def _daily_network(day: int, accounts: int = 12) -> pl.DataFrame:
    """Organic traffic (other people every day) plus a network whose accounts each post one
    templated request a day."""
    frame, _, _ = support.coordination_corpus(organic_users=60, spam_accounts=0, heavy_users=0, seed=20 + day)
    frame = frame.with_columns((pl.lit(f"day{day}-") + pl.col("user_id")).alias("user_id"))
    rng = np.random.default_rng(day)
    posts = _rows(
        [
            {
                "conversation_id": f"net{day}-{a}",
                "user_id": f"net{a}",
                "text": support.SPAM_TEMPLATE.format(
                    product=rng.choice(support.PRODUCTS),
                    shop=rng.choice(support.SHOPS),
                    code=f"SAVE{rng.integers(10, 99)}",
                ),
                "request": "The user asks for a five star product review with a discount code",
                "created_at": DAY + timedelta(days=day, minutes=float(rng.uniform(0, 1440))),
            }
            for a in range(accounts)
        ]
    )
    return pl.concat([frame, posts.select(frame.columns)])


def test_accounts_posting_once_a_day_are_found_from_the_trailing_days():
    """One templated post per account per day: no account repeats within a day, so the first day
    alone shows nothing; with the first day's stored evidence the second day finds the network."""
    first = _detect(_daily_network(0), date="2026-11-20")
    assert first.groups.height == 0
    assert first.history.schema == HISTORY_SCHEMA and first.history.height > 0
    second = _detect(_daily_network(1), date="2026-11-21", history=first.history)
    found = set(second.groups["user_id"])
    assert found == {f"net{a}" for a in range(12)}
    assert (second.groups["active_days"] == 2).all()
    # without the history the second day is as blind as the first
    assert _detect(_daily_network(1), date="2026-11-21").groups.height == 0
    # a rerun of a day ignores that day's own stored rows: nothing is counted twice
    rerun = _detect(_daily_network(0), date="2026-11-20", history=first.history)
    assert rerun.groups.height == 0 and rerun.history.equals(first.history)


def test_template_signal_is_required_not_just_similar_embeddings():
    frame, embeddings, spam = support.coordination_corpus(seed=0)
    # same embeddings for everything: meaning alone must not link accounts
    flat = np.tile(embeddings[:1], (len(embeddings), 1))
    shuffled = frame.with_columns(pl.col("text").shuffle(seed=1))
    found = set(detect_coordination(shuffled, flat).groups["user_id"])
    assert len(found & spam) < len(spam) // 2


def test_edge_cases_and_bad_input():
    frame, embeddings, _ = support.coordination_corpus(organic_users=5, spam_accounts=0, heavy_users=0)
    empty = detect_coordination(frame.head(0), embeddings[:0])
    assert empty.groups.schema == COORDINATED_SCHEMA and empty.history.schema == HISTORY_SCHEMA
    assert detect_coordination(frame.head(1), embeddings[:1]).groups.height == 0
    short = frame.with_columns(pl.lit("hi there").alias("text"))
    assert detect_coordination(short, embeddings).groups.height == 0  # too short to be a template
    with pytest.raises(ValueError, match="embeddings"):
        detect_coordination(frame, embeddings[:-1])


def test_approximate_index_path_agrees_with_exact():
    frame, embeddings, spam = support.coordination_corpus(seed=5)
    templates = TemplateParams(exact_search_below=10, reduced_dim=32, chunk_size=128)
    found = set(
        detect_coordination(frame, embeddings, CoordinationParams(templates=templates)).groups["user_id"]
    )
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


def test_unspaced_scripts_are_split_into_characters():
    """Chinese, Japanese and Thai have no spaces: one character is one word, so their texts can be
    compared (a whole clause as one word would never match another filling of a template)."""
    texts = pl.Series(["我的摄像头 Web-Cam 2", "カメラ", "hello_world"])
    assert word_lists(texts, 64).to_list() == [
        ["我", "的", "摄", "像", "头", "web", "cam", "2"],
        ["カ", "メ", "ラ"],
        ["hello", "world"],
    ]
    assert word_counts(texts).to_list() == [8, 3, 2]


def test_templated_word_uses_are_the_words_a_cross_account_pair_shares():
    """Conversation 2 is in a pair but has no rare word left (the last position, past every
    word's): it shares nothing, and nothing fails."""
    from clio_dagster.core.safety.coordination import _templated_incidences

    incidences = pl.DataFrame(
        {"pos": [1, 0, 0, 3], "word": [5, 5, 6, 6]}, schema={"pos": pl.UInt32, "word": pl.UInt64}
    )
    found = _templated_incidences(incidences, np.array([[0, 1], [1, 4], [0, 3]]), chunk_size=2)
    assert sorted(found.rows()) == [(0, 5), (0, 6), (1, 5), (3, 6)]
