"""The local backend's 1–5 safety concern score and harm category.

The score comes from the learned concern model (``concern_model``): a classifier over the
multilingual embeddings of the user's own words, trained on real labelled prompts, so it carries
across phrasing and languages. Offensive language is a documented supplement that can lift a score
to 2 (never to "concerning"): it is measured by maintained packages, not by lists of our own:
- ``alt-profanity-check`` (maintained successor of profanity-check): a linear SVM over TF-IDF
  trained on ~200k human-labelled toxic/offensive comments; English only, so it scores the
  conversations detected as English; offline.
- ``glin-profanity`` word lists: maintained profanity dictionaries for 24 languages, matched as
  whole tokens in the conversation's detected language and in English.
The existing moderation verdict in the input is deliberately *not* used: the disagreement report
compares the two, so the score must be independent of it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

from clio_dagster.core.facets.text_tokens import CHUNK_ROWS, explode_tokens, stop_words, word_tokens
from clio_dagster.core.safety.concern_model import (
    HARM_LABELS,
    ConcernModel,
    ConcernModelError,
    shipped_concern_model,
)

OFFENSIVE_PROBABILITY = 0.5
OFFENSIVE_SCORE = 2
_CLASSIFIER_CHARS = 500  # the SVM sees the start of the user's text; cost grows with length

_GLIN_LANGUAGES = {
    "arabic": "ar", "chinese": "zh", "czech": "cs", "danish": "da", "dutch": "nl", "english": "en",
    "esperanto": "eo", "finnish": "fi", "french": "fr", "german": "de", "hindi": "hi",
    "hungarian": "hu", "italian": "it", "japanese": "ja", "korean": "ko", "norwegian": "no",
    "persian": "fa", "polish": "pl", "portuguese": "pt", "russian": "ru", "spanish": "es",
    "turkish": "tr", "swedish": "sv", "thai": "th",
}  # fmt: skip


@lru_cache(maxsize=1)
def profanity_words() -> pl.DataFrame:
    """(language, token) rows from glin-profanity's single-word dictionaries."""
    from glin_profanity.data.dictionary import DictionaryLoader

    loader = DictionaryLoader()
    languages: list[str] = []
    tokens: list[str] = []
    for name, iso in _GLIN_LANGUAGES.items():
        for word in loader.get_words(name):
            word = word.strip().lower()
            if word and " " not in word and word.isalpha():
                languages.append(iso)
                tokens.append(word)
    return pl.DataFrame({"language": languages, "token": tokens}).unique()


def offensive_probability(texts: pl.Series) -> np.ndarray:
    """alt-profanity-check's probability that each text is offensive.

    Same vocabulary, IDF weights and calibrated classifier as ``profanity_check.predict_prob``,
    but the bag of words is counted in polars: sklearn's per-text Python tokenizer cost ~0.2 ms
    a text, the largest share of the whole facet stage.
    """
    from profanity_check import profanity_check as package
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize

    vectorizer, model = package.vectorizer, package.model
    vocabulary = _classifier_vocabulary()
    n = len(texts)
    # the vectorizer's token pattern (?u)\b\w\w+\b, i.e. maximal runs of 2+ word characters
    counts = (
        pl.DataFrame({"t": texts.fill_null("").str.slice(0, _CLASSIFIER_CHARS).str.to_lowercase()})
        .with_row_index("row")
        .select("row", pl.col("t").str.extract_all(r"\w\w+").alias("token"))
        .explode("token")
        .join(vocabulary, on="token", how="inner")
        .group_by("row", "column")
        .len()
    )
    cells = (counts["row"].to_numpy(), counts["column"].to_numpy())
    matrix = csr_matrix((counts["len"].to_numpy().astype(np.float64), cells), shape=(n, len(vectorizer.idf_)))
    features = normalize(matrix.multiply(vectorizer.idf_).tocsr(), norm="l2")
    return model.predict_proba(features)[:, 1]


@lru_cache(maxsize=1)
def _classifier_vocabulary() -> pl.DataFrame:
    from profanity_check import profanity_check as package

    vocabulary = package.vectorizer.vocabulary_
    return pl.DataFrame(
        {"token": list(vocabulary), "column": list(vocabulary.values())},
        schema={"token": pl.Utf8, "column": pl.UInt32},
    )


def _dictionary_hit_rows(chunk: pl.DataFrame) -> pl.Series:
    """Rows of a (row, text, language) chunk with a profanity-dictionary word in their language or
    in English."""
    words = profanity_words()
    tokens = chunk.select("row", "language", word_tokens(pl.col("text")).list.unique().alias("tokens"))
    exploded = explode_tokens(tokens)
    own = exploded.join(words, on=["language", "token"], how="semi")
    # English swear words are common in every language, but an English entry can be a harmless
    # word elsewhere (Dutch "hoe" = how): skip the conversation language's own stop words.
    english = exploded.filter(
        pl.col("token").is_in(words.filter(pl.col("language") == "en")["token"].implode())
    ).join(stop_words(), on=["language", "token"], how="anti")
    return pl.concat([own["row"], english["row"]])


def offensive_rows(user_text: pl.Series, language: pl.Series) -> np.ndarray:
    """Whether each text holds offensive language: a dictionary word of its language (or English),
    or, for English text, alt-profanity-check's probability >= ``OFFENSIVE_PROBABILITY``."""
    n = len(user_text)
    frame = pl.DataFrame({"text": user_text.fill_null(""), "language": language}).with_row_index("row")
    offensive = np.zeros(n, dtype=bool)
    for start in range(0, max(n, 1), CHUNK_ROWS):
        offensive[_dictionary_hit_rows(frame.slice(start, CHUNK_ROWS)).to_numpy()] = True
    # The classifier is English-only: on other languages it fires on harmless words (0.74 on a
    # Dutch tax question), so it scores English text and the dictionaries cover the rest.
    english = (frame["language"] == "en").fill_null(False).to_numpy()
    english_text = frame["text"].filter(pl.Series(english))
    if len(english_text):
        probability = np.concatenate(
            [
                offensive_probability(english_text.slice(start, CHUNK_ROWS))
                for start in range(0, len(english_text), CHUNK_ROWS)
            ]
        )
        offensive[english] |= probability >= OFFENSIVE_PROBABILITY
    return offensive


def concern_facets(
    user_text: pl.Series,
    language: pl.Series,
    embeddings: np.ndarray,
    *,
    embedder: str,
    model: ConcernModel | None = None,
) -> pl.DataFrame:
    """Per conversation: ``concerning`` (Int8, 1–5), ``harm_category`` (the model's category id,
    "" below 3) and ``harm_label`` (its fixed words from ``HARM_LABELS``, "" below 3).

    ``embeddings`` are the ``embedder``'s vectors of ``user_text``, one row per conversation; the
    shipped weights refuse an embedder they were not trained over. ``model`` stands in for the shipped
    weights (the benchmark compares trained models with it)."""
    if len(embeddings) != len(user_text):
        raise ValueError(f"concern_facets: {len(embeddings)} embeddings for {len(user_text)} texts")
    model = model or shipped_concern_model(embedder)
    if model.embedder != embedder:
        raise ConcernModelError(
            f"concern_facets: the model was trained over '{model.embedder}', not '{embedder}'"
        )
    score, category = model.score(embeddings)
    score = np.where(offensive_rows(user_text, language), np.maximum(score, OFFENSIVE_SCORE), score)
    # no user words, nothing to judge (an empty string still has an embedding, and a score)
    blank = (user_text.fill_null("").str.strip_chars() == "").to_numpy()
    score[blank], category[blank] = 1, ""
    categories = pl.Series("harm_category", category, dtype=pl.Utf8)
    return pl.DataFrame(
        {
            "concerning": pl.Series(score.astype(np.int8), dtype=pl.Int8),
            "harm_category": categories,
            "harm_label": categories.replace_strict(HARM_LABELS, default="", return_dtype=pl.Utf8),
        }
    )
