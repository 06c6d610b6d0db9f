"""Facet extraction over shards of one day, so several workers can share a partition.

Extractors with a day-wide step implement :class:`TwoPassFacetExtractor`. The local backend's
k-anonymous vocabulary needs every user's tokens of the whole day before any request can be
rendered, so sharding runs in three phases:

1. per shard, ``prepare`` (turns, budgeted user text, language from the text alone),
   ``token_pairs`` (distinct (token hash, user hash) pairs) and ``language_evidence`` (each user's
   confident languages) — the costly part, parallel;
2. once, :func:`day_vocabulary`: the union of every shard's pairs, then the tokens that at least
   ``min_unique_users`` users share — small (a few MB of hashes at 1M conversations);
3. per shard, ``with_day_languages`` (unsure languages settled by every shard's evidence: a
   user's ambiguous "добрий день" takes the language of their other conversations of the day)
   and ``render`` with the vocabulary — parallel again.

The result equals unsharded extraction row for row (tests assert it), because a user's pairs and
evidence are the same whichever shard holds the conversation and both are order-free. Extractors
without a day-wide step (the LLM backends) are wrapped by :func:`as_two_pass`: ``prepare`` is
the identity, there are no pairs and no evidence, and ``render`` is their ``extract``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import polars as pl

from clio_dagster.core.clustering.embed import UserTextVectors
from clio_dagster.core.clustering.vector_cache import concatenate_rows
from clio_dagster.core.facets.extract import validate_facets
from clio_dagster.core.facets.language import EVIDENCE_SCHEMA
from clio_dagster.core.facets.local import VOCABULARY_SCHEMA
from clio_dagster.core.interfaces import FacetExtractor, FacetResult, FacetSpec

PAIRS_SCHEMA = pl.Schema({"token_hash": pl.UInt64, "user_hash": pl.UInt64, "token": pl.Utf8})


@runtime_checkable
class TwoPassFacetExtractor(Protocol):
    def prepare(self, conversations: pl.DataFrame, spec: FacetSpec) -> pl.DataFrame:
        """Per-conversation work that needs no other shard; must keep ``conversation_id``."""
        ...

    def token_pairs(self, prepared: pl.DataFrame) -> pl.DataFrame:
        """What the day-wide step needs from this shard (PAIRS_SCHEMA)."""
        ...

    def vocabulary(self, pairs: Iterable[pl.DataFrame], spec: FacetSpec) -> pl.DataFrame:
        """The day-wide step over every shard's pairs."""
        ...

    def language_evidence(self, prepared: pl.DataFrame) -> pl.DataFrame:
        """What settling unsure languages needs from this shard (small: per user and language)."""
        ...

    def with_day_languages(self, prepared: pl.DataFrame, evidence: Iterable[pl.DataFrame]) -> pl.DataFrame:
        """``prepared`` with its languages settled by every shard's evidence."""
        ...

    def render(self, prepared: pl.DataFrame, vocabulary: pl.DataFrame, spec: FacetSpec) -> FacetResult:
        """Facets of one prepared shard, given the whole day's vocabulary."""
        ...


class _OnePass:
    """A plain ``FacetExtractor`` seen as a two-pass one with an empty day-wide step."""

    def __init__(self, extractor: FacetExtractor) -> None:
        self.extractor = extractor

    def prepare(self, conversations: pl.DataFrame, spec: FacetSpec) -> pl.DataFrame:
        return conversations

    def token_pairs(self, prepared: pl.DataFrame) -> pl.DataFrame:
        return pl.DataFrame(schema=PAIRS_SCHEMA)

    def vocabulary(self, pairs: Iterable[pl.DataFrame], spec: FacetSpec) -> pl.DataFrame:
        return pl.DataFrame(schema=VOCABULARY_SCHEMA)

    def language_evidence(self, prepared: pl.DataFrame) -> pl.DataFrame:
        return pl.DataFrame(schema=EVIDENCE_SCHEMA)

    def with_day_languages(self, prepared: pl.DataFrame, evidence: Iterable[pl.DataFrame]) -> pl.DataFrame:
        return prepared

    def render(self, prepared: pl.DataFrame, vocabulary: pl.DataFrame, spec: FacetSpec) -> FacetResult:
        return self.extractor.extract(prepared, spec)


def as_two_pass(extractor: FacetExtractor) -> TwoPassFacetExtractor:
    """The extractor itself if it has a day-wide step, else a one-pass wrapper around it."""
    return extractor if isinstance(extractor, TwoPassFacetExtractor) else _OnePass(extractor)


def shard_bounds(rows: int, shard_rows: int) -> list[tuple[int, int]]:
    """(offset, length) of consecutive shards of at most ``shard_rows`` rows (one empty shard for 0 rows)."""
    if shard_rows < 1:
        raise ValueError(f"shard_rows must be >= 1, got {shard_rows}")
    return [(start, min(shard_rows, rows - start)) for start in range(0, rows, shard_rows)] or [(0, 0)]


def day_vocabulary(
    extractor: TwoPassFacetExtractor, pairs: Iterable[pl.DataFrame], spec: FacetSpec
) -> pl.DataFrame:
    """The day's vocabulary (VOCABULARY_SCHEMA) from every shard's pairs."""
    frames = [p for p in pairs if p.height]
    if not frames:
        return pl.DataFrame(schema=VOCABULARY_SCHEMA)
    return extractor.vocabulary(frames, spec)


def render_shard(
    extractor: TwoPassFacetExtractor, prepared: pl.DataFrame, vocabulary: pl.DataFrame, spec: FacetSpec
) -> FacetResult:
    """Phase 3 for one shard, with the facet contract checked against the shard's conversations."""
    return validate_facets(extractor.render(prepared, vocabulary, spec), prepared["conversation_id"], spec)


def combine_shards(results: list[FacetResult]) -> FacetResult:
    """Shard results concatenated in shard order; stats summed, except the vocabulary size; the
    shards' vectors joined when every shard has them."""
    facets = pl.concat([r.facets for r in results], how="vertical", rechunk=False)
    failures = pl.concat([r.failures for r in results], how="vertical")
    stats: dict[str, float | int] = {}
    for result in results:
        for key, value in result.stats.items():
            stats[key] = value if key == "vocabulary_size" else stats.get(key, 0) + value
    stats["shards"] = len(results)
    return FacetResult(facets=facets, failures=failures, stats=stats, vectors=_joined_vectors(results))


def _joined_vectors(results: list[FacetResult]) -> UserTextVectors | None:
    parts = [r.vectors for r in results if r.vectors is not None]
    if not parts or len(parts) != len(results):
        return None
    first = parts[0]
    return UserTextVectors(
        first.embedder,
        first.max_chars,
        pl.concat([part.texts for part in parts]),
        concatenate_rows([part.rows for part in parts], first.rows.vectors.shape[1]),
    )


def extract_sharded(
    conversations: pl.DataFrame, *, extractor: FacetExtractor, spec: FacetSpec, shard_rows: int
) -> FacetResult:
    """The three phases in one process (what the Dagster graph does across steps)."""
    two_pass = as_two_pass(extractor)
    shards = [conversations.slice(o, n) for o, n in shard_bounds(conversations.height, shard_rows)]
    prepared = [two_pass.prepare(shard, spec) for shard in shards]
    vocabulary = day_vocabulary(two_pass, (two_pass.token_pairs(p) for p in prepared), spec)
    evidence = [two_pass.language_evidence(p) for p in prepared]
    settled = [two_pass.with_day_languages(p, evidence) for p in prepared]
    return combine_shards([render_shard(two_pass, p, vocabulary, spec) for p in settled])
