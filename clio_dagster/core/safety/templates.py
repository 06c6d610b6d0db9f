"""Pairs of conversations whose users wrote near-identical words: the *template* signal.

Candidate pairs come from two sources: nearest neighbours of the embeddings (FAISS inner product on
unit vectors, reduced by PCA and IVF-indexed above a size, searched in chunks) and MinHash LSH over
word shingles of the users' own words. A candidate is kept when the estimated shingle Jaccard of the
words passes ``template_threshold``: the words, not the meaning, decide, because a filled-in template
("Write 30 reviews for X linking to Y") shares its skeleton and payload word for word, while two
requests on one topic do not. Embeddings only propose candidates.

Memory is O(n * (neighbours + bands)) for pairs plus the reduced embeddings; nothing is quadratic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from clio_dagster.core.mapped import release_pages
from clio_dagster.core.safety.minhash import (
    estimated_jaccard,
    lsh_candidate_pairs,
    minhash_signatures,
    unique_pairs,
)
from clio_dagster.core.user_text import user_messages


@dataclass(frozen=True)
class TemplateParams:
    """How near-identical wording is found.

    ``template_threshold`` is a word (1-shingle) Jaccard: a slot-heavy template ("Create {n} forum
    posts recommending {biz}, include {url} and the keyword {kw}") shares only its skeleton between
    two fillings, near 0.3. The bar is low on purpose: many organic pairs pass it, and what makes a
    template pair evidence of coordination is decided later (shared rare payload, repeated use).
    """

    template_threshold: float = 0.25
    embed_threshold: float = 0.85  # neighbours above this cosine (approx.) become candidates
    neighbours: int = 16
    num_perm: int = 64
    bands: int = 21  # 3 rows a band: pairs at Jaccard 0.35 collide with probability 0.6
    shingle_size: int = 1
    max_words: int = 64
    reduced_dim: int = 64  # PCA size for the neighbour search only; pairs are verified in full
    exact_search_below: int = 5_000  # below this many texts, a flat (exact) index
    probes: int = 6  # IVF cells searched per query
    search_margin: float = 0.15  # neighbours kept if reduced-space cosine >= embed_threshold - this
    chunk_size: int = 50_000
    threads: int = 2
    seed: int = 0


def template_text(max_chars: int = 2000) -> pl.Expr:
    """The users' own words of each conversation (user messages joined by spaces), for the template
    signal.

    Not :func:`~clio_dagster.core.user_text.user_text`: templates compare the first
    ``TemplateParams.max_words`` words in order, so the bound is on characters, not whole turns (a
    whole-turn bound would drop a long second message and the words it contributes).
    """
    return user_messages().list.join(" ").str.slice(0, max_chars).alias("text")


def template_texts(conversations: pl.DataFrame, max_chars: int = 2000) -> pl.Series:
    """:func:`template_text` of each conversation."""
    return conversations.select(template_text(max_chars))["text"]


def _neighbour_pairs(embeddings: np.ndarray, rows: np.ndarray, params: TemplateParams) -> np.ndarray:
    """Candidate (i, j) pairs over ``embeddings[rows]`` (positions in ``rows``): each with its
    ``neighbours`` nearest (approximate above a size). ``rows`` avoids copying the matrix."""
    import faiss

    faiss.omp_set_num_threads(params.threads)
    n, dim = len(rows), embeddings.shape[1]
    rng = np.random.default_rng(params.seed)
    pca = None
    if dim > params.reduced_dim and n > params.reduced_dim:
        pca = faiss.PCAMatrix(dim, params.reduced_dim)
        pca.train(
            np.ascontiguousarray(embeddings[rows[np.sort(rng.choice(n, min(n, 10_000), replace=False))]])
        )
    out_dim = params.reduced_dim if pca is not None else dim
    # reduced once and kept: n x reduced_dim float32 (256 MB at 1M x 64)
    reduced = np.empty((n, out_dim), dtype=np.float32)
    for start in range(0, n, params.chunk_size):
        block = np.ascontiguousarray(embeddings[rows[start : start + params.chunk_size]], dtype=np.float32)
        release_pages(embeddings)  # a mapped day would otherwise stay resident after this pass
        reduced[start : start + len(block)] = pca.apply(block) if pca is not None else block
    faiss.normalize_L2(reduced)
    if n < params.exact_search_below:
        index = faiss.IndexFlatIP(out_dim)
    else:
        # ~2 sqrt(n) lists trained on the 39 points per list k-means needs; near-duplicates sit in
        # the same or an adjacent cell, so a few probes find them
        nlist = int(max(1, min(4096, 2 * np.sqrt(n), n // 39)))
        quantizer = faiss.IndexFlatIP(out_dim)
        index = faiss.IndexIVFFlat(quantizer, out_dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = params.seed
        index.train(reduced[np.sort(rng.choice(n, min(n, 39 * nlist), replace=False))])
        index.nprobe = params.probes
    index.add(reduced)
    k = min(params.neighbours + 1, n)
    pairs = []
    for start in range(0, n, params.chunk_size):
        scores, found = index.search(reduced[start : start + params.chunk_size], k)
        # neighbours far below the bar in the reduced space are dropped here, so the candidate
        # list stays proportional to the near-duplicates, not to n * neighbours
        valid = (found >= 0) & (scores >= params.embed_threshold - params.search_margin)
        rows = np.broadcast_to(np.arange(start, start + len(found))[:, None], found.shape)
        pairs.append(unique_pairs(np.stack([rows[valid], found[valid]], axis=1)))
    return unique_pairs(np.concatenate(pairs)) if pairs else np.empty((0, 2), dtype=np.int64)


def similar_pairs(
    texts: pl.Series, embeddings: np.ndarray, rows: np.ndarray, params: TemplateParams
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of positions in ``texts`` (whose embeddings are ``embeddings[rows]``) whose
    wording passes ``template_threshold``, and their estimated Jaccard."""
    signatures = minhash_signatures(
        texts,
        num_perm=params.num_perm,
        shingle_size=params.shingle_size,
        max_words=params.max_words,
        seed=params.seed,
        chunk_size=params.chunk_size,
    )
    candidates = unique_pairs(
        np.concatenate(
            [
                lsh_candidate_pairs(signatures, params.bands, params.seed),
                _neighbour_pairs(embeddings, rows, params),
            ]
        )
    )
    jaccard = estimated_jaccard(signatures, candidates)
    keep = jaccard >= params.template_threshold
    return candidates[keep], jaccard[keep]
