"""Custom facets on the local backend: honest, deterministic keyword rules instead of free answers.

The local backend cannot answer an arbitrary question, so each type gets a documented rule over the
question's *key terms* (its words minus stop words and generic words such as "user" or "ask"):
- ``enum``: the choice whose own key terms occur most often in the user's messages; null when no
  choice matches or the best two tie.
- ``bool``: whether any key term of the question occurs in the user's messages; null when the
  question has no key terms.
- ``int``: how many times the question's key terms occur, clipped to [min, max]; null when the
  question has no key terms.
- ``text``: the first five words of the k-anonymous ``request`` rendering; null when it is empty.
Terms match at word starts, so "recipe" also matches "recipes".
"""

from __future__ import annotations

import numpy as np
import polars as pl

from clio_dagster.config import CustomFacet
from clio_dagster.core.facets.text_tokens import any_language_stop_words, stems_pattern, tokens_of

CUSTOM_FACET_DTYPES: dict[str, pl.DataType] = {
    "text": pl.Utf8(),
    "enum": pl.Utf8(),
    "int": pl.Int64(),
    "bool": pl.Boolean(),
}

# Words that frame a question about a conversation rather than say what it is about.
_FRAME_WORDS = frozenset(
    [
        "user",
        "users",
        "conversation",
        "conversations",
        "chat",
        "assistant",
        "ask",
        "asks",
        "asked",
        "asking",
        "request",
        "requests",
        "requested",
        "mention",
        "mentions",
        "mentioned",
        "discuss",
        "discusses",
        "talk",
        "talks",
        "about",
        "question",
        "questions",
        "message",
        "messages",
        "want",
        "wants",
        "need",
        "needs",
        "help",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "whether",
    ]
)
_TEXT_WORDS = 5


def key_terms(text: str) -> tuple[str, ...]:
    """The distinctive words of a question or choice, in order, without repeats."""
    stop = any_language_stop_words()
    terms = [t for t in tokens_of([text])[0] if t not in stop and t not in _FRAME_WORDS and len(t) > 1]
    return tuple(dict.fromkeys(terms))


def _term_counts(user_text: pl.Series, terms: tuple[str, ...]) -> np.ndarray:
    """Occurrences of any of ``terms`` (as word-start stems) in each text."""
    if not terms:
        return np.zeros(len(user_text), dtype=np.int64)
    escaped = tuple(_escape(t) for t in terms)
    return (
        user_text.fill_null("")
        .str.to_lowercase()
        .str.count_matches(stems_pattern(escaped))
        .fill_null(0)
        .to_numpy()
    )


def _escape(term: str) -> str:
    return "".join("\\" + ch if ch in r".^$*+?{}[]\|()" else ch for ch in term)


def custom_facet_column(facet: CustomFacet, user_text: pl.Series, request: pl.Series) -> pl.Series:
    """One custom facet's values for every conversation (dtype from ``CUSTOM_FACET_DTYPES``)."""
    n = len(user_text)
    dtype = CUSTOM_FACET_DTYPES[facet.type]
    if facet.type == "text":
        words = request.fill_null("").str.split(" ").list.head(_TEXT_WORDS).list.join(" ")
        return words.replace("", None).alias(facet.name).cast(dtype)
    if facet.type == "enum":
        if not facet.choices:
            return pl.Series(facet.name, [None] * n, dtype=dtype)
        counts = np.stack([_term_counts(user_text, key_terms(choice)) for choice in facet.choices], axis=1)
        best = counts.argmax(axis=1)
        top = counts.max(axis=1)
        unique_top = (counts == top[:, None]).sum(axis=1) == 1
        decided = (top > 0) & unique_top
        values = [
            facet.choices[b] if ok else None for b, ok in zip(best.tolist(), decided.tolist(), strict=True)
        ]
        return pl.Series(facet.name, values, dtype=dtype)
    terms = key_terms(facet.question)
    if not terms:
        return pl.Series(facet.name, [None] * n, dtype=dtype)
    counts = _term_counts(user_text, terms)
    if facet.type == "bool":
        return pl.Series(facet.name, counts > 0, dtype=dtype)
    low = facet.min if facet.min is not None else 0
    high = facet.max if facet.max is not None else np.iinfo(np.int64).max
    return pl.Series(facet.name, np.clip(counts, low, high), dtype=dtype)
