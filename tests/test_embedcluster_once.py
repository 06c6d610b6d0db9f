"""The day's user text is embedded once: the local facet step embeds each shard (one text per model
run) for the concern score, the embeddings asset reuses those vectors; parallel runs equal serial."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from clio_dagster.core.clustering.embed import (
    DEFAULT_EMBEDDER,
    UseMultilingualEmbedder,
    available_cores,
    distinct_rows,
    embed_unique,
    make_embedder,
)
from clio_dagster.core.facets.extract import extract_facets
from clio_dagster.core.facets.local import LocalFacetExtractor
from clio_dagster.core.facets.shards import extract_sharded, shard_bounds
from clio_dagster.core.interfaces import FacetSpec
from clio_dagster.core.user_text import EMBED_MAX_CHARS, user_texts

DATE = "2026-01-01"
SHARD_ROWS = 150
SPEC = FacetSpec(min_unique_users=5)


def _support():
    path = Path(__file__).with_name("facets_support.py")
    spec = importlib.util.spec_from_file_location("facets_support_once", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def day() -> pl.DataFrame:
    """400 conversations; the last 100 repeat the first 100's words, so shards share texts."""
    corpus = _support().synthetic_corpus(300, seed=5)
    repeats = corpus.head(100).with_columns(pl.format("again-{}", "conversation_id").alias("conversation_id"))
    return pl.concat([corpus, repeats])


@pytest.fixture(scope="module")
def serial_model() -> UseMultilingualEmbedder:
    return UseMultilingualEmbedder(threads=1, batch_size=1)


class CountingUse:
    """The bundled model (so the concern weights accept its vectors), recording every text it runs."""

    name = DEFAULT_EMBEDDER
    dim = 512

    def __init__(self, model: UseMultilingualEmbedder) -> None:
        self.model = model
        self.embedded: list[str] = []

    def _run(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return self.model._embed_distinct(texts)

    def embed(self, texts):
        return embed_unique(texts, self._run, self.dim)

    def embed_rows(self, texts):
        return distinct_rows(texts, self._run, self.dim)


def _distinct_per_shard(texts: pl.Series, shard_rows: int) -> int:
    return sum(texts.slice(o, n).n_unique() for o, n in shard_bounds(len(texts), shard_rows))


def test_parallel_runs_equal_the_serial_run_bit_for_bit(day, serial_model):
    texts = user_texts(day).to_list()
    parallel = UseMultilingualEmbedder(threads=2, batch_size=1)
    if available_cores() < 2:
        pytest.skip("one core: the parallel path is not taken")
    assert parallel.parallel_runs == 2
    assert np.array_equal(parallel.embed(texts), serial_model.embed(texts))


def test_threads_never_exceed_the_cores_and_batches_use_them_inside_a_run():
    assert UseMultilingualEmbedder(threads=64, batch_size=1).threads == available_cores()
    batched = UseMultilingualEmbedder(threads=2, batch_size=256)
    assert batched.parallel_runs == 1
    assert make_embedder(threads=2).batch_size == 1  # the day's vectors: one text per run


def test_render_embeds_each_distinct_text_once_and_returns_the_vectors(day, serial_model):
    counting = CountingUse(serial_model)
    result = extract_facets(day, extractor=LocalFacetExtractor(user_text_embedder=counting), spec=SPEC)
    texts = user_texts(day, EMBED_MAX_CHARS)
    assert sorted(counting.embedded) == sorted(texts.unique().to_list())
    assert result.vectors is not None and result.vectors.texts.equals(texts)
    assert np.array_equal(result.vectors.rows.dense(), serial_model.embed(texts.to_list()))


def test_sharded_vectors_equal_unsharded(day, serial_model):
    """One text per model run: a conversation's vector (and so its concern score) does not depend on
    which other conversations share its shard."""
    extractor = LocalFacetExtractor(user_text_embedder=serial_model)
    whole = extract_facets(day, extractor=extractor, spec=SPEC)
    sharded = extract_sharded(day, extractor=extractor, spec=SPEC, shard_rows=SHARD_ROWS)
    assert sharded.facets.equals(whole.facets)
    assert np.array_equal(sharded.vectors.rows.dense(), whole.vectors.rows.dense())


def _materialize_day(day: pl.DataFrame, counting: CountingUse, monkeypatch):
    """conversations (fixed), the sharded facets graph and the embeddings asset, in process, with
    ``counting`` as both the facet backend's and the clustering embedder."""
    from dagster import asset, materialize

    from clio_dagster.assets.embeddings import embeddings
    from clio_dagster.assets.facets import facets
    from clio_dagster.assets.partitions import DAILY
    from clio_dagster.core import local_backends
    from clio_dagster.resources.embedder import EmbedderResource
    from clio_dagster.resources.llm import LLMResource
    from clio_dagster.resources.settings import ClioSettings
    from clio_dagster.resources.storage import RestrictedFileIOManager

    monkeypatch.setenv("CLIO_FACET_SHARD_ROWS", str(SHARD_ROWS))
    monkeypatch.setenv("CLIO_MIN_UNIQUE_USERS", str(SPEC.min_unique_users))
    monkeypatch.setattr(local_backends, "make_embedder", lambda **_: counting)

    class CountingEmbedder(EmbedderResource):
        def embedder(self, settings):
            return counting

    @asset(partitions_def=DAILY, name="conversations")
    def fixed_conversations() -> pl.DataFrame:
        return day

    settings = ClioSettings()
    result = materialize(
        [fixed_conversations, facets, embeddings],
        partition_key=DATE,
        resources={
            "settings": settings,
            "io_manager": RestrictedFileIOManager(settings=settings),
            "llm": LLMResource(),
            "embedder": CountingEmbedder(),
        },
    )
    assert result.success
    partition = settings.get().restricted_partition(DATE)
    metadata = result.asset_materializations_for_node("embeddings")[0].metadata
    return partition, {key: value.value for key, value in metadata.items()}


def test_the_day_is_embedded_once_and_clustering_reuses_the_facet_vectors(
    clio_home, day, serial_model, monkeypatch
):
    counting = CountingUse(serial_model)
    partition, metadata = _materialize_day(day, counting, monkeypatch)

    texts = user_texts(day, EMBED_MAX_CHARS)
    # each shard's distinct texts once, by the facet step; none by the embeddings asset
    assert len(counting.embedded) == _distinct_per_shard(texts, SHARD_ROWS)
    assert metadata["shards_reused"] == metadata["shards"] == 3
    stored = np.load(partition / "embeddings.npy")
    assert np.array_equal(stored, serial_model.embed(texts.to_list()))
    assert not (partition / "_vectors").exists()  # consumed once the day's embeddings are written
    facets = pl.read_parquet(partition / "facets.parquet")
    unsharded = extract_facets(day, extractor=LocalFacetExtractor(user_text_embedder=serial_model), spec=SPEC)
    assert facets.equals(unsharded.facets)


def test_another_bound_for_clustering_embeds_its_own_text_and_keeps_the_concern_score(
    clio_home, day, serial_model, monkeypatch
):
    """CLIO_EMBED_MAX_CHARS other than the default: the concern score still comes from vectors of
    the default bound (what its weights were trained over); clustering embeds its own text."""
    monkeypatch.setenv("CLIO_EMBED_MAX_CHARS", "120")
    counting = CountingUse(serial_model)
    partition, metadata = _materialize_day(day, counting, monkeypatch)

    default, short = user_texts(day, EMBED_MAX_CHARS), user_texts(day, 120)
    assert len(counting.embedded) == _distinct_per_shard(default, SHARD_ROWS) + short.n_unique()
    assert metadata["shards_reused"] == 0 and metadata["max_chars"] == 120
    assert np.array_equal(np.load(partition / "embeddings.npy"), serial_model.embed(short.to_list()))
    assert not (partition / "_vectors").exists()  # nothing was kept that nobody would read
    facets = pl.read_parquet(partition / "facets.parquet")
    unsharded = extract_facets(day, extractor=LocalFacetExtractor(user_text_embedder=serial_model), spec=SPEC)
    assert facets.equals(unsharded.facets)
