"""The user text of a conversation, and per-day vector reuse keyed by what was embedded."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from clio_dagster.config import Settings
from clio_dagster.core.clustering.embed import DistinctRows, UserTextVectors
from clio_dagster.core.clustering.vector_cache import VectorCache, concatenate_rows, embed_shards
from clio_dagster.core.user_text import EMBED_MAX_CHARS, all_user_text, user_texts


def conversations(*turns: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "conversation_id": [f"c{i}" for i in range(len(turns))],
            "messages": [[{"role": role, "content": content} for role, content in t] for t in turns],
        }
    )


def test_user_text_joins_user_turns_only_and_keeps_whole_turns_within_the_bound():
    day = conversations(
        [("system", "be brief"), ("user", "bake bread"), ("assistant", "SECRET ANSWER"), ("user", "rye?")],
        [("user", "   "), ("user", "only this")],
        [("user", "a" * 12), ("user", "never fits")],
        [("assistant", "hello")],
    )
    assert user_texts(day, max_chars=16).to_list() == ["bake bread\nrye?", "only this", "a" * 12, ""]
    # the first turn alone is cut rather than dropped; a turn that does not fit whole is left out
    assert user_texts(day, max_chars=8).to_list() == ["bake bre", "only thi", "a" * 8, ""]
    assert user_texts(day, max_chars=15).to_list()[0] == "bake bread"  # each turn counts its newline


def test_all_user_text_keeps_every_user_word_past_any_bound():
    long_turn = "word " * 500
    day = conversations(
        [("user", "hi"), ("assistant", "SECRET ANSWER"), ("user", long_turn), ("user", "Zanzibar Street")],
        [("assistant", "hello")],
    )
    texts = day.select(all_user_text())["user_text"].to_list()
    assert texts == [f"hi\n{long_turn}\nZanzibar Street", ""]


def test_user_text_refuses_a_bound_below_one():
    with pytest.raises(ValueError, match="max_chars"):
        user_texts(conversations([("user", "x")]), max_chars=0)


class CountingEmbedder:
    """Deterministic fake vectors from the text's characters; counts what it was asked to embed."""

    name = "counting"
    dim = 4

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts):
        self.embedded.extend(texts)
        out = np.array([[len(t), t.count("a") + 1, t.count("b") + 1, 1.0] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


TEXTS = pl.Series(["aa", "bb", "ab", "aa", "b"])


def vectors_of(embedder: str, texts: pl.Series, rows: DistinctRows) -> UserTextVectors:
    return UserTextVectors(embedder, EMBED_MAX_CHARS, texts, rows)


def test_stored_shards_are_reused_and_only_the_rest_is_embedded(tmp_path):
    embedder = CountingEmbedder()
    expected = embedder.embed(TEXTS.to_list())
    cache = VectorCache(tmp_path)
    first_shard = TEXTS.slice(0, 2)
    cache.store(vectors_of("counting", first_shard, DistinctRows(expected[:2].copy(), np.arange(2))))
    embedder.embedded.clear()

    rows, reused = embed_shards(embedder, TEXTS, shard_rows=2, cache=cache)

    assert reused == 1
    assert embedder.embedded == ["ab", "aa", "b"]  # shards 2 and 3 only
    np.testing.assert_allclose(rows.dense(), expected, rtol=1e-6)
    assert not cache.directory.exists()  # consumed: the day's embeddings hold the vectors now


def test_changed_texts_or_embedder_never_reuse_stale_vectors(tmp_path):
    cache = VectorCache(tmp_path)
    stale = DistinctRows(np.zeros((2, 4), dtype=np.float32), np.arange(2))
    cache.store(vectors_of("counting", pl.Series(["aa", "bX"]), stale))  # the second one changed since
    cache.store(vectors_of("another-model", TEXTS.slice(0, 2), stale))
    embedder = CountingEmbedder()

    rows, reused = embed_shards(embedder, TEXTS, shard_rows=2, cache=cache)

    assert reused == 0
    assert np.all(np.linalg.norm(rows.dense(), axis=1) > 0.99)  # freshly embedded, not the zeros


def test_store_refuses_rows_that_do_not_match_the_texts(tmp_path):
    with pytest.raises(ValueError, match="3 embedded rows for 2 texts"):
        VectorCache(tmp_path).store(
            vectors_of(
                "counting",
                pl.Series(["a", "b"]),
                DistinctRows(np.ones((1, 4), np.float32), np.zeros(3, np.int64)),
            )
        )


def test_concatenated_parts_keep_row_order():
    a = DistinctRows(np.eye(4, dtype=np.float32)[:2], np.array([1, 0, 1]))
    b = DistinctRows(np.eye(4, dtype=np.float32)[2:], np.array([0, 1]))
    joined = concatenate_rows([a, b], 4)
    np.testing.assert_array_equal(joined.dense(), np.eye(4, dtype=np.float32)[[1, 0, 1, 2, 3]])


@pytest.mark.parametrize(
    ("backend", "embed_input", "expected"),
    [
        ("local", "auto", True),
        ("anthropic", "auto", False),
        ("litellm", "user_text", True),
        ("local", "request", False),
    ],
)
def test_what_is_embedded_follows_the_backend_unless_set(backend, embed_input, expected):
    assert Settings(llm_backend=backend, embed_input=embed_input).embeds_user_text is expected


DAY = [
    [("user", "bake bread"), ("assistant", "knead the dough"), ("user", "and rye")],
    [("user", "book a hotel")],
    [("system", "terse"), ("user", "a cab at ten")],
]


def _facets(day: pl.DataFrame, requests: list[str]) -> pl.DataFrame:
    return day.select("conversation_id").with_columns(request=pl.Series(requests))


def _materialize_embeddings(
    conversations_frame: pl.DataFrame, facets_frame: pl.DataFrame, embedder: CountingEmbedder | None = None
):
    """The real ``embeddings`` asset over fixed conversations and facets, with ``embedder`` (else
    the configured one)."""
    from dagster import asset, materialize

    from clio_dagster.assets.embeddings import embeddings
    from clio_dagster.assets.partitions import DAILY
    from clio_dagster.resources.embedder import EmbedderResource
    from clio_dagster.resources.settings import ClioSettings
    from clio_dagster.resources.storage import RestrictedFileIOManager

    class FixedEmbedder(EmbedderResource):
        def embedder(self, settings):
            return embedder

    @asset(partitions_def=DAILY, name="conversations")
    def fixed_conversations() -> pl.DataFrame:
        return conversations_frame

    @asset(partitions_def=DAILY, name="facets")
    def fixed_facets() -> pl.DataFrame:
        return facets_frame

    settings = ClioSettings()
    result = materialize(
        [fixed_conversations, fixed_facets, embeddings],
        partition_key="2026-01-01",
        resources={
            "settings": settings,
            "io_manager": RestrictedFileIOManager(settings=settings),
            "embedder": FixedEmbedder() if embedder is not None else EmbedderResource(),
        },
        raise_on_error=False,
    )
    partition = settings.get().restricted_partition("2026-01-01")
    return result, partition


def test_the_local_backend_embeds_the_users_words_and_reuses_stored_shards(clio_home, monkeypatch):
    monkeypatch.setenv("CLIO_FACET_SHARD_ROWS", "2")
    day = conversations(*DAY)
    texts = user_texts(day)
    assert texts.to_list() == ["bake bread\nand rye", "book a hotel", "a cab at ten"]
    embedder = CountingEmbedder()
    first_shard = embedder.embed(texts.slice(0, 2).to_list())
    from clio_dagster.config import Settings as Cfg

    VectorCache(Cfg().restricted_partition("2026-01-01")).store(
        vectors_of("counting", texts.slice(0, 2), DistinctRows(first_shard, np.arange(2)))
    )
    embedder.embedded.clear()

    result, partition = _materialize_embeddings(day, _facets(day, ["bread", "hotel", "taxi"]), embedder)

    assert result.success
    assert embedder.embedded == ["a cab at ten"]  # the stored shard was not embedded again
    stored = np.load(partition / "embeddings.npy")
    np.testing.assert_allclose(stored, CountingEmbedder().embed(texts.to_list()), rtol=1e-6)
    metadata = result.asset_materializations_for_node("embeddings")[0].metadata
    assert metadata["input"].value == "user_text" and metadata["shards_reused"].value == 1
    assert not (partition / "_vectors").exists()


def test_llm_backends_embed_the_request_facet(clio_home, monkeypatch):
    monkeypatch.setenv("CLIO_EMBED_INPUT", "request")
    embedder = CountingEmbedder()
    day = conversations(*DAY)
    result, _ = _materialize_embeddings(day, _facets(day, ["bread", "hotel", "taxi"]), embedder)
    assert result.success
    assert sorted(embedder.embedded) == ["bread", "hotel", "taxi"]


def test_facets_out_of_step_with_the_conversations_fail_the_step(clio_home):
    day = conversations(*DAY)
    result, _ = _materialize_embeddings(day, _facets(day.reverse(), ["x", "x", "x"]))
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "not in the same order" in failure.event_specific_data.error.to_string()
