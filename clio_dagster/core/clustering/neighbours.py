"""Nearest neighbours of the day's embeddings, and neighbourhood smoothing before base clustering.

A local request facet is a short bag of shared words, so one conversation's embedding is noisy,
but its nearest neighbours mostly share its topic (the nearest other request has the same true
topic for 89-99% of conversations on the labelled corpora of bench/results/quality3.md).
Averaging each embedding with its few nearest neighbours before k-means removes much of that
noise (one mean-shift step). Only neighbours at least ``min_similarity`` similar count: a small
distinct group (thirty harmful translation requests among hundreds of benign ones) keeps to
itself instead of being blended into the crowd around it, which the trust-and-safety rankings
need (bench/results/quality3.md). The same search also gives merged k-means its neighbour links
(``core.clustering.cluster``). Neighbours are exact below ``exact_below`` rows and come from an inverted-file
index with 8-bit codes above it, so memory stays at a quarter of the input array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clio_dagster.core.clustering.cluster import _training_sample, _unit, _unit_in_place
from clio_dagster.core.mapped import float32_blocks, gather_rows

EXACT_BELOW = 20_000
PROBES = 8
_TRAINING_POINTS_PER_LIST = 64


def _index(x: np.ndarray, *, exact_below: int, probes: int, seed: int, chunk: int):
    """A cosine (inner product of unit rows) index over every row of ``x``."""
    import faiss

    n, d = x.shape
    if n < exact_below:
        index = faiss.IndexFlatIP(d)
    else:
        # coarse search and list scans cost about the same at lists ~ sqrt(probes * n)
        lists = int(np.clip(round(np.sqrt(probes * n)), 1, max(n // _TRAINING_POINTS_PER_LIST, 1)))
        index = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(d), d, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        index.cp.seed = seed
        sample = _training_sample(n, lists * _TRAINING_POINTS_PER_LIST, seed)
        index.train(_unit_in_place(gather_rows(x, sample)))
        index.nprobe = probes
    for _, block in float32_blocks(x, chunk):
        index.add(_unit(block))
    return index


@dataclass(frozen=True)
class Neighbours:
    """The nearest other rows of each row: ``hits`` (n, m) row indices (-1 where an approximate
    search found fewer) and their cosine ``similarity``, most similar first."""

    hits: np.ndarray
    similarity: np.ndarray


def nearest_neighbours(
    x: np.ndarray,
    neighbours: int,
    *,
    seed: int = 0,
    threads: int = 2,
    exact_below: int = EXACT_BELOW,
    probes: int = PROBES,
    chunk: int = 32_768,
) -> Neighbours:
    """The ``neighbours`` nearest other rows (cosine) of every row of ``x`` (n, d).

    The first hit of each search is the row itself or an identical row and is left out. Same
    input, same output (the index is seeded and its search is deterministic).
    """
    import faiss

    if neighbours < 1:
        raise ValueError(f"nearest_neighbours: neighbours must be >= 1 (got {neighbours=})")
    n = len(x)
    hits = np.empty((n, neighbours), dtype=np.int64)
    similarity = np.empty((n, neighbours), dtype=np.float32)
    faiss.omp_set_num_threads(threads)
    index = _index(x, exact_below=exact_below, probes=probes, seed=seed, chunk=chunk)
    for start, block in float32_blocks(x, chunk):
        found_similarity, found = index.search(_unit(block), neighbours + 1)
        hits[start : start + len(block)] = found[:, 1:]
        similarity[start : start + len(block)] = found_similarity[:, 1:]
    return Neighbours(hits, similarity)


def smoothed_embeddings(
    x: np.ndarray,
    neighbours: int,
    *,
    seed: int = 0,
    threads: int = 2,
    exact_below: int = EXACT_BELOW,
    probes: int = PROBES,
    chunk: int = 32_768,
    min_similarity: float = -1.0,
    out: np.ndarray | None = None,
    nearest: Neighbours | None = None,
) -> np.ndarray:
    """Unit rows: each row of ``x`` (n, d) plus the mean of those of its ``neighbours`` nearest
    other rows whose cosine similarity is at least ``min_similarity``, normalised (a row with none
    stays as it is). Written into ``out`` (e.g. a disk-backed array) when given.

    The neighbours are the first ``neighbours`` of ``nearest`` when given (a search of at least
    that many), else those of :func:`nearest_neighbours` with the same search arguments.
    """
    n, d = x.shape
    if neighbours < 1:
        raise ValueError(f"smoothed_embeddings: neighbours must be >= 1 (got {neighbours=})")
    out = np.empty((n, d), dtype=np.float32) if out is None else out
    if out.shape != (n, d):
        raise ValueError(f"smoothed_embeddings: out has shape {out.shape}, expected {(n, d)}")
    if nearest is None:
        nearest = nearest_neighbours(
            x, neighbours, seed=seed, threads=threads, exact_below=exact_below, probes=probes, chunk=chunk
        )
    if nearest.hits.shape[1] < neighbours:
        raise ValueError(
            f"smoothed_embeddings: {neighbours} neighbours asked, the search found {nearest.hits.shape[1]}"
        )
    for start, block in float32_blocks(x, chunk):
        block = _unit(block)
        rows = slice(start, start + len(block))
        hits, similarity = nearest.hits[rows, :neighbours], nearest.similarity[rows, :neighbours]
        found = (hits >= 0) & (similarity >= min_similarity)
        near_sum = np.zeros_like(block)
        for column, hit in zip(hits.T, found.T, strict=True):
            near_sum += _unit_in_place(gather_rows(x, np.where(hit, column, 0))) * hit[:, None]
        out[rows] = _unit_in_place(block + near_sum / np.maximum(found.sum(axis=1), 1)[:, None])
    return out
