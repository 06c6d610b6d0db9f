"""Rare-word generalisation of the local request facet never emits a word outside the vocabulary."""

from __future__ import annotations

import numpy as np
import polars as pl

from clio_dagster.core.facets.local import k_anonymous_request

# A fake embedder: words of the same meaning share an axis; anything else gets its own axis.
MEANING = {"tax": 0, "taxes": 0, "steuererklärung": 0, "impuestos": 0, "garden": 1, "jardín": 1}


class AxisEmbedder:
    name = "axes"
    dim = 64

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, MEANING.get(text, 2 + sum(map(ord, text)) % (self.dim - 2))] = 1.0
        return out


def _frame() -> pl.DataFrame:
    rows = [(f"my taxes question {i}", f"u{i}", "en") for i in range(30)]  # "taxes": 30 users
    rows += [(f"garden roses {i}", f"g{i}", "en") for i in range(30)]  # "garden": 30 users
    rows += [("meine steuererklärung", f"d{i}", "de") for i in range(5)]  # 5 users: rare
    rows += [("impuestos zanzibarweg", "solo", "es")]  # both words of one user only
    return pl.DataFrame(rows, schema=["text", "user_id", "language"], orient="row")


def test_rare_words_become_their_nearest_shared_word_and_nothing_else():
    frame = _frame()
    request, vocabulary_size = k_anonymous_request(
        frame["text"], frame["user_id"], frame["language"], 25, embedder=AxisEmbedder()
    )
    assert vocabulary_size == 3  # "taxes", "garden", "roses" ("question" is filler, "my" a stop word)
    german = request[60:65].to_list()
    assert german == ["taxes"] * 5  # generalised, not dropped
    assert request[65] == ""  # a single user's words are never considered, not even generalised
    emitted = {w for r in request.to_list() for w in r.split()}
    assert emitted <= {"taxes", "garden", "roses"}


def test_without_embedder_rare_words_are_dropped():
    frame = _frame()
    request, _ = k_anonymous_request(frame["text"], frame["user_id"], frame["language"], 25, embedder=None)
    assert request[60:66].to_list() == [""] * 6
