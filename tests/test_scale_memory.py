"""Memory handling of a big day: the same results as before, without the extra copies."""

from __future__ import annotations

import io

import numpy as np
import polars as pl
from dagster import asset, materialize

from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.clustering.embed import DistinctRows, distinct_rows, embed_day
from clio_dagster.core.safety.minhash import word_counts, word_lists
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.resources.storage import RestrictedFileIOManager, _save_rows

TEXTS = ["bb", "a", "bb", "Ünïcode", "a", "zz", "éa", "ab", "ccc", "é", "bb", "日本語", "e"]


def _fake(texts: list[str]) -> np.ndarray:
    return np.array([[len(t), sum(map(ord, t)) % 7 + 1.0, ord(t[0])] for t in texts], dtype=np.float32)


def test_distinct_rows_match_the_python_dedup_and_order():
    calls: list[list[str]] = []

    def record(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return _fake(texts)

    rows = distinct_rows(TEXTS, record, dim=3)
    # one call, distinct texts in the (length, text) order batches were built in before
    assert calls == [sorted(set(TEXTS), key=lambda t: (len(t), t))]
    assert rows.shape == (len(TEXTS), 3) and len(rows.vectors) == len(set(TEXTS))
    expected = _fake(TEXTS)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_array_equal(rows.dense(), expected)
    np.testing.assert_array_equal(np.vstack(list(rows.blocks(rows=4))), rows.dense())
    assert distinct_rows([], record, dim=3).shape == (0, 3)


def test_embed_day_wraps_a_backend_without_embed_rows():
    class Dense:
        name, dim = "dense", 3

        def embed(self, texts):
            return _fake(list(texts))

    rows = embed_day(Dense(), pl.Series(TEXTS))
    np.testing.assert_array_equal(rows.dense(), _fake(TEXTS))


def test_distinct_rows_are_stored_as_the_dense_npy_file():
    vectors = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    rows = DistinctRows(vectors, np.array([4, 0, 0, 2, 1, 4, 3], dtype=np.int64))
    streamed, saved = io.BytesIO(), io.BytesIO()
    _save_rows(streamed, rows)
    np.save(saved, rows.dense(), allow_pickle=False)
    assert streamed.getvalue() == saved.getvalue()


def test_io_manager_writes_distinct_rows_dense_and_scans_lazy_inputs(clio_home):
    seen = {}

    @asset(partitions_def=DAILY)
    def vectors() -> DistinctRows:
        return DistinctRows(np.eye(3, dtype=np.float32), np.array([2, 2, 0, 1]))

    @asset(partitions_def=DAILY)
    def table() -> pl.DataFrame:
        return pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})

    @asset(partitions_def=DAILY)
    def consumer(vectors: np.ndarray, table: pl.LazyFrame) -> int:
        seen["vectors"] = np.asarray(vectors).tolist()
        seen["lazy"] = isinstance(table, pl.LazyFrame)
        seen["a"] = table.select("a").collect()["a"].to_list()
        return 0

    settings = ClioSettings()
    result = materialize(
        [vectors, table, consumer],
        partition_key="2026-01-01",
        resources={"settings": settings, "io_manager": RestrictedFileIOManager(settings=settings)},
    )
    assert result.success
    assert seen == {
        "vectors": [[0, 0, 1], [0, 0, 1], [1, 0, 0], [0, 1, 0]],
        "lazy": True,
        "a": [1, 2],
    }


def test_word_counts_equal_the_word_list_lengths():
    texts = pl.Series(
        ["Hello, world!", "", None, "İstanbul ŞEHİR_test 42", "snake_case a-b c", "日本語 テキスト"]
    )
    assert word_counts(texts).to_list() == word_lists(texts, 1000).list.len().to_list()


def _rss_file_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssFile:"))


def test_passes_over_a_mapped_day_release_its_pages(tmp_path):
    from clio_dagster.core.clustering.cluster import spherical_kmeans
    from clio_dagster.core.mapped import float32_blocks, gather_rows

    rng = np.random.default_rng(0)
    x = rng.standard_normal((40_000, 64)).astype(np.float32)  # 10 MB
    np.save(tmp_path / "x.npy", x)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    before = _rss_file_kib()
    blocks = list(float32_blocks(mapped, 4096))
    assert _rss_file_kib() - before < 4_000  # the 10 MB file is not left resident
    np.testing.assert_array_equal(np.vstack([b for _, b in blocks]), x)
    index = np.sort(rng.choice(len(x), 20_000, replace=False))
    before = _rss_file_kib()
    np.testing.assert_array_equal(gather_rows(mapped, index, rows=2048), x[index])
    assert _rss_file_kib() - before < 4_000
    in_memory = spherical_kmeans(x, 20, seed=1, threads=1)
    from_file = spherical_kmeans(mapped, 20, seed=1, threads=1)
    np.testing.assert_array_equal(in_memory.labels, from_file.labels)
    np.testing.assert_array_equal(in_memory.centroids, from_file.centroids)
