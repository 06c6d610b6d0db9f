"""Vectorised MinHash over word shingles and banded LSH, in numpy and polars, chunked.

datasketch's per-document Python loop is too slow for a million texts a day; here shingle hashes
come from polars (Rust) and the permutations are multiply-shift hashes applied to whole chunks.
"""

from __future__ import annotations

import numpy as np
import polars as pl

_MIX = np.uint64(0x9E3779B97F4A7C15)
# scripts written without spaces (Chinese, Japanese, Thai) count one character as a word, so that
# their texts have words to compare at all; elsewhere a word is a run of letters and digits
_UNSPACED = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}"
_WORD_PATTERN = rf"[{_UNSPACED}]|[^\W_{_UNSPACED}]+"


def word_lists(texts: pl.Series, max_words: int) -> pl.Series:
    """Lower-cased word tokens of each text, at most ``max_words`` of them."""
    return texts.fill_null("").str.to_lowercase().str.extract_all(_WORD_PATTERN).list.head(max_words)


def word_counts(texts: pl.Series) -> pl.Series:
    """Number of word tokens in each text, as :func:`word_lists` would find them (without the lists)."""
    return texts.fill_null("").str.to_lowercase().str.count_matches(_WORD_PATTERN)


def _shingle_hashes(words: pl.Series, shingle_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(document index, uint64 hash) for every word ``shingle_size``-gram; a shorter text is one shingle."""
    frame = pl.DataFrame({"words": words}).with_row_index("doc").explode("words").drop_nulls("words")
    doc = frame["doc"].to_numpy().astype(np.int64)
    word_hash = frame["words"].hash(seed=seed).to_numpy()
    if len(doc) == 0:
        return doc, word_hash
    pos = np.arange(len(doc)) - np.searchsorted(doc, doc)  # position of each word inside its text
    lengths = np.bincount(doc, minlength=int(doc[-1]) + 1)
    size = np.minimum(shingle_size, lengths[doc])
    combined = word_hash.copy()
    for offset in range(1, shingle_size):
        idx = np.minimum(np.arange(len(doc)) + offset, len(doc) - 1)
        use = offset < size
        combined = np.where(use, combined * _MIX + word_hash[idx], combined)
    keep = pos + size <= lengths[doc]
    return doc[keep], combined[keep]


def minhash_signatures(
    texts: pl.Series,
    *,
    num_perm: int = 64,
    shingle_size: int = 3,
    max_words: int = 64,
    seed: int = 0,
    chunk_size: int = 50_000,
) -> np.ndarray:
    """uint32 MinHash signatures (len(texts), num_perm); a text with no words gets all-max values."""
    rng = np.random.default_rng(seed)
    mult = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    add = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    out = np.full((len(texts), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    block = 4  # permutations per pass; bounds the (shingles x block) temporary
    for start in range(0, len(texts), chunk_size):
        words = word_lists(texts.slice(start, chunk_size), max_words)
        doc, hashes = _shingle_hashes(words, shingle_size, seed)
        if len(doc) == 0:
            continue
        starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
        rows = start + doc[starts]
        for p in range(0, num_perm, block):
            # in place: one (shingles x block) uint64 temporary per pass
            values = hashes[:, None] * mult[None, p : p + block]
            values += add[None, p : p + block]
            values >>= np.uint64(32)
            out[rows, p : p + block] = np.minimum.reduceat(values.astype(np.uint32), starts, axis=0)
    return out


def lsh_candidate_pairs(signatures: np.ndarray, bands: int, seed: int = 0) -> np.ndarray:
    """Pairs (i, j), i < j, that share a band of their signatures: each doc is paired with the
    first doc of its bucket, so the output is at most ``bands * n`` pairs, never quadratic."""
    n, num_perm = signatures.shape
    rows = num_perm // bands
    rng = np.random.default_rng(seed + 1)
    weights = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    pairs = []
    for band in range(bands):
        cols = slice(band * rows, (band + 1) * rows)
        keys = (signatures[:, cols].astype(np.uint64) * weights[cols]).sum(axis=1, dtype=np.uint64)
        keys ^= np.uint64(band)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        group_start = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        first = np.repeat(order[group_start], np.diff(np.r_[group_start, n]))
        member = first != order
        pairs.append(np.stack([first[member], order[member]], axis=1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return unique_pairs(np.concatenate(pairs))


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Deduplicated (min, max) pairs without self-pairs, as int64."""
    pairs = np.sort(pairs.astype(np.int64), axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    if len(pairs) == 0:
        return pairs.reshape(0, 2)
    base = int(pairs.max()) + 1  # one int64 code per pair, deduplicated by an in-place sort
    codes = pairs[:, 0] * base + pairs[:, 1]
    codes.sort()
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    return np.stack([codes // base, codes % base], axis=1)


def estimated_jaccard(signatures: np.ndarray, pairs: np.ndarray, chunk_size: int = 200_000) -> np.ndarray:
    """Share of equal signature slots for each pair: an unbiased estimate of shingle Jaccard."""
    out = np.empty(len(pairs), dtype=np.float32)
    for start in range(0, len(pairs), chunk_size):
        chunk = pairs[start : start + chunk_size]
        out[start : start + len(chunk)] = (signatures[chunk[:, 0]] == signatures[chunk[:, 1]]).mean(axis=1)
    return out
