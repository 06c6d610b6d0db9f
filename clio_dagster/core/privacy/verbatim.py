"""Verbatim-leak detection: no run of ``n_words`` consecutive words of a raw conversation may
appear in a public text.

The public side (titles, descriptions, report lines) is small, so its word n-grams go into a
hash set; the raw side (up to millions of conversations) is streamed once. Only raw words that
occur somewhere in the public vocabulary can be part of a leak, so each raw text is cut into
maximal runs of such words and only runs of at least ``n_words`` are shingled: most raw text is
skipped after one set lookup per word.

A page that lists public texts one after another (the explorer's table of node texts) shows a
reader the end of one text running into the start of the next. Where that order is not known when
the texts are judged, :func:`find_runs` also tests every ordered pair of them (junctions).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import polars as pl

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class VerbatimLeak:
    """A public text that shares a run of ``n_words`` words with a raw conversation.

    Holds positions only, never the words, so it can travel to logs and alerts.
    """

    public_index: int  # index into the public texts
    raw_index: int  # position of the raw text in the stream
    public_word_offset: int  # where the shared run starts in the public text (in words)
    n_words: int


def normalise_words(text: str) -> list[str]:
    """Case- and punctuation-insensitive words: NFKC, casefold, runs of letters/digits."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class JunctionLeak:
    """A raw run of ``n_words`` words that a reader sees where one public text is shown right after
    another: the last ``tail_words`` words of text ``tail_index``, then the first words of text
    ``head_index``. Positions only, like :class:`VerbatimLeak`."""

    tail_index: int
    head_index: int
    tail_words: int
    n_words: int


def find_verbatim_runs(
    public_texts: Sequence[str], raw_texts: Iterable[str], n_words: int = 8
) -> list[VerbatimLeak]:
    """Every (public text, raw text) pair sharing ``n_words`` consecutive words, one leak per pair.

    ``raw_texts`` is consumed once, lazily, so a generator over a large table works.
    """
    leaks, _ = find_runs(public_texts, raw_texts, n_words=n_words)
    return leaks


def find_runs(
    public_texts: Sequence[str],
    raw_texts: Iterable[str],
    n_words: int = 8,
    *,
    juxtaposed: Sequence[int] = (),
) -> tuple[list[VerbatimLeak], list[JunctionLeak]]:
    """:func:`find_verbatim_runs`, and in the same pass over ``raw_texts`` every junction leak
    between two of the ``juxtaposed`` public texts (indices): texts a page may list one right after
    another in an order not known when they are judged, so every ordered pair is a possible
    junction. One junction leak per ordered pair of texts."""
    if n_words < 1:
        raise ValueError(f"n_words must be >= 1, got {n_words}")
    shingles: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    vocabulary: set[str] = set()
    for p_index, text in enumerate(public_texts):
        words = normalise_words(text)
        vocabulary.update(words)
        for start in range(len(words) - n_words + 1):
            shingles.setdefault(tuple(words[start : start + n_words]), []).append((p_index, start))
    junctions = _Junctions(public_texts, juxtaposed, n_words)
    if not shingles and not junctions:
        # no public text is n_words long and none is shown beside another: nothing can leak
        return [], []

    leaks: list[VerbatimLeak] = []
    for r_index, raw in enumerate(raw_texts):
        seen: set[int] = set()
        for run in _runs_within(normalise_words(raw), vocabulary, n_words):
            for start in range(len(run) - n_words + 1):
                window = tuple(run[start : start + n_words])
                for p_index, offset in shingles.get(window) or ():
                    if p_index not in seen:
                        seen.add(p_index)
                        leaks.append(VerbatimLeak(p_index, r_index, offset, n_words))
                if junctions:
                    junctions.check(window)
    return leaks, junctions.found()


class _Junctions:
    """The first and last ``n_words - 1`` words of the juxtaposed texts, keyed by length, to test
    each raw window split at every point: its first k words ending one text and the rest
    starting another."""

    def __init__(self, texts: Sequence[str], indices: Sequence[int], n_words: int) -> None:
        self.n_words = n_words
        self.tails: list[dict[tuple[str, ...], list[int]]] = [{} for _ in range(n_words)]
        self.heads: list[dict[tuple[str, ...], list[int]]] = [{} for _ in range(n_words)]
        for index in indices:
            words = normalise_words(texts[index])
            for k in range(1, min(n_words - 1, len(words)) + 1):
                self.tails[k].setdefault(tuple(words[-k:]), []).append(index)
                self.heads[k].setdefault(tuple(words[:k]), []).append(index)
        self.leaks: dict[tuple[int, int], JunctionLeak] = {}

    def __bool__(self) -> bool:
        return any(self.tails)

    def check(self, window: tuple[str, ...]) -> None:
        for k in range(1, self.n_words):
            tails = self.tails[k].get(window[:k])
            heads = self.heads[self.n_words - k].get(window[k:]) if tails else None
            for tail in tails if heads else ():
                for head in heads or ():
                    if tail != head and (tail, head) not in self.leaks:
                        self.leaks[tail, head] = JunctionLeak(tail, head, k, self.n_words)

    def found(self) -> list[JunctionLeak]:
        return list(self.leaks.values())


def conversation_texts(conversations: pl.DataFrame, chunk_rows: int = 50_000) -> Iterator[str]:
    """Each conversation's message contents joined by spaces, for :func:`find_verbatim_runs`.

    Built in polars one chunk of rows at a time, so the day's messages never exist as Python
    objects all at once (1M conversations as dicts would be several GB).
    """
    contents = pl.col("messages").list.eval(pl.element().struct.field("content")).list.join(" ")
    for start in range(0, conversations.height, chunk_rows):
        yield from conversations.slice(start, chunk_rows).select(contents).to_series().to_list()


def _runs_within(words: list[str], vocabulary: set[str], min_length: int) -> Iterable[list[str]]:
    """Maximal runs of consecutive words that all belong to ``vocabulary``, of >= min_length."""
    run: list[str] = []
    for word in words:
        if word in vocabulary:
            run.append(word)
            continue
        if len(run) >= min_length:
            yield run
        run = []
    if len(run) >= min_length:
        yield run
