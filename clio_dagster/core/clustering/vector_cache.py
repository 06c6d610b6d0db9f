"""Embeddings computed once per day and shared between steps, keyed by what was embedded.

The local facet backend embeds the day's user text before the embeddings asset runs (it scores
concern from those vectors) and its render step stores the rows here, one entry per facet shard;
the embeddings asset then loads them instead of embedding the day a second time, and removes them
once the day's embeddings are written. An entry is named by :func:`embedding_fingerprint` of (embedder,
texts in order), so vectors of another model, another bound or changed conversations are never
reused: a changed input simply misses and is embedded afresh. Entries live in the partition's
restricted directory, like every other per-conversation artefact.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from clio_dagster.core.clustering.embed import (
    DistinctRows,
    UserTextVectors,
    embed_day,
    embedding_fingerprint,
)
from clio_dagster.core.files import restricted_dir, write_restricted_stream
from clio_dagster.core.interfaces import Embedder

CACHE_DIR = "_vectors"


class VectorCache:
    """Per-shard embeddings of one partition under ``<restricted partition>/_vectors``."""

    def __init__(self, partition_dir: Path) -> None:
        self.directory = Path(partition_dir) / CACHE_DIR

    def _paths(self, fingerprint: str) -> tuple[Path, Path]:
        return self.directory / f"{fingerprint}.vectors.npy", self.directory / f"{fingerprint}.index.npy"

    def store(self, embedded: UserTextVectors) -> None:
        """Keep ``embedded`` (one shard's vectors) for a later step of the same day."""
        rows, texts = embedded.rows, embedded.texts
        if len(rows.index) != len(texts):
            raise ValueError(f"{len(rows.index)} embedded rows for {len(texts)} texts")
        vectors_path, index_path = self._paths(embedding_fingerprint(embedded.embedder, texts))
        restricted_dir(self.directory)
        write_restricted_stream(index_path, lambda f: np.save(f, rows.index, allow_pickle=False))
        # written last: an entry counts only once its vectors exist (see ``load``)
        write_restricted_stream(vectors_path, lambda f: np.save(f, rows.vectors, allow_pickle=False))

    def load(self, embedder_name: str, texts: pl.Series) -> DistinctRows | None:
        """The stored rows of exactly these texts by this embedder, or None. The vectors are
        memory-mapped: joining the day's shards then reads them once, without a second copy."""
        vectors_path, index_path = self._paths(embedding_fingerprint(embedder_name, texts))
        if not (vectors_path.exists() and index_path.exists()):
            return None
        return DistinctRows(np.load(vectors_path, mmap_mode="r"), np.load(index_path))

    def clear(self) -> None:
        """Remove every entry (the day's embeddings hold the vectors from now on)."""
        if not self.directory.exists():
            return
        for path in self.directory.glob("*.npy"):
            path.unlink()
        self.directory.rmdir()


def concatenate_rows(parts: list[DistinctRows], dim: int) -> DistinctRows:
    """Consecutive parts of a day as one :class:`DistinctRows`, rows in order."""
    if not parts:
        return DistinctRows(np.zeros((0, dim), dtype=np.float32), np.zeros(0, dtype=np.int64))
    offsets = np.cumsum([0] + [len(part.vectors) for part in parts[:-1]])
    vectors = np.concatenate([part.vectors for part in parts]).astype(np.float32, copy=False)
    index = np.concatenate([part.index + offset for part, offset in zip(parts, offsets, strict=True)])
    return DistinctRows(vectors, index.astype(np.int64, copy=False))


def embed_shards(
    embedder: Embedder, texts: pl.Series, shard_rows: int, *, cache: VectorCache | None = None
) -> tuple[DistinctRows, int]:
    """The day's embeddings of ``texts``, reusing each facet shard (``shard_rows`` rows) that an
    earlier step stored in ``cache``. Returns the rows and how many shards were reused; the cache is
    cleared afterwards (the returned rows supersede it).

    With nothing stored the day is embedded in one pass, each distinct text once across the day.
    """
    from clio_dagster.core.facets.shards import shard_bounds

    if cache is None:
        return embed_day(embedder, texts), 0
    shards = [texts.slice(offset, length) for offset, length in shard_bounds(len(texts), shard_rows)]
    stored = [cache.load(embedder.name, shard) for shard in shards]
    reused = sum(rows is not None for rows in stored)
    if reused == 0:
        rows = embed_day(embedder, texts)
    else:
        parts = [
            embed_day(embedder, shard) if rows is None else rows
            for shard, rows in zip(shards, stored, strict=True)
        ]
        rows = concatenate_rows(parts, embedder.dim)
    cache.clear()
    return rows, reused
