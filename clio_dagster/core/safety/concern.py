"""The local backend's 1–5 safety concern score, from maintained offensive-language resources plus
multilingual harm-category cues.

Signals, all computed on the user's own messages:
- ``alt-profanity-check`` (maintained successor of profanity-check): a linear SVM over TF-IDF
  trained on ~200k human-labelled toxic/offensive comments; English only, so it scores
  the conversations detected as English; offline.
- ``glin-profanity`` word lists: maintained profanity dictionaries for 24 languages, matched as
  whole tokens in the conversation's detected language and in English.
- ``facet_lexicons.HARM_CATEGORIES``: stems for eight safety categories (mass-casualty weapons,
  child safety, weapons, violence, self-harm, malware, drugs, fraud) in nine languages, and
  ``INTENT_CUES`` for operational intent ("how to make", "step by step", "without getting caught");
  a harm category inside a translation or quotation counts as intent too, as wrapping is a way
  around filters.

Mapping (the highest rule that applies):
  5  a severe category (mass casualty, child safety) with intent or with a second category
  4  any harm category with intent (or wrapped in a translation or quotation, ``WRAPPER_CUES``),
     with a second category, or with offensive language;
     or a severe category on its own
  3  any harm category (discussed, no intent)
  2  offensive language only (classifier probability >= 0.5 or a dictionary hit)
  1  none of these.
The existing moderation verdict in the input is deliberately *not* used: the disagreement report
compares the two, so the score must be independent of it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

from clio_dagster.core.facets.lexicons import HARM_CATEGORIES, HARM_LABELS, INTENT_CUES, WRAPPER_CUES
from clio_dagster.core.facets.text_tokens import CHUNK_ROWS, explode_tokens, stop_words, word_tokens

OFFENSIVE_PROBABILITY = 0.5
_CLASSIFIER_CHARS = 500  # the SVM sees the start of the user's text; cost grows with length

_GLIN_LANGUAGES = {
    "arabic": "ar", "chinese": "zh", "czech": "cs", "danish": "da", "dutch": "nl", "english": "en",
    "esperanto": "eo", "finnish": "fi", "french": "fr", "german": "de", "hindi": "hi",
    "hungarian": "hu", "italian": "it", "japanese": "ja", "korean": "ko", "norwegian": "no",
    "persian": "fa", "polish": "pl", "portuguese": "pt", "russian": "ru", "spanish": "es",
    "turkish": "tr", "swedish": "sv", "thai": "th",
}  # fmt: skip


_WORD_START = r"(?:^|[^\p{L}\p{N}_])"
_WORD_END = r"(?:[^\p{L}\p{N}_]|$)"


def stems_pattern(stems: tuple[str, ...]) -> str:
    """One alternation over lower-cased text; stems starting with a letter of a spaced script are
    anchored at a word start (Han/kana/punctuation stems are matched anywhere).

    Word edges are spelled as character classes, not ``\\b``: a Unicode ``\\b`` forces the slow
    regex engine and made matching ~20x slower on 100k texts.
    """
    parts = []
    for stem in stems:
        first = stem[0]
        spaced_letter = first.isalpha() and not (
            "\u3040" <= first <= "\u30ff" or "\u4e00" <= first <= "\u9fff"
        )
        body = stem.replace("\\b", _WORD_END)
        parts.append(_WORD_START + body if spaced_letter else body)
    return "(?:" + "|".join(parts) + ")"


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


def concern_scores(user_text: pl.Series, language: pl.Series) -> pl.Series:
    """The 1–5 concern score (Int8) per conversation of ``user_text`` in ``language`` (ISO 639-1);
    see the module docstring for the mapping."""
    return concern_facets(user_text, language)["concerning"]


def concern_facets(user_text: pl.Series, language: pl.Series) -> pl.DataFrame:
    """Per conversation: ``concerning`` (see ``concern_scores``) and ``harm_label``, the fixed
    ``HARM_LABELS`` entry of its strongest harm category when ``concerning >= 3``, else "".

    Strongest = first in ``HARM_CATEGORIES`` order (severe first), so a payload touching two
    categories always gets the same single label instead of being split between two."""
    n = len(user_text)
    frame = pl.DataFrame({"text": user_text.fill_null(""), "language": language}).with_row_index("row")
    chunks = [frame.slice(start, CHUNK_ROWS) for start in range(0, max(n, 1), CHUNK_ROWS)]

    dictionary_hit = np.zeros(n, dtype=bool)
    for chunk in chunks:
        dictionary_hit[_dictionary_hit_rows(chunk).to_numpy()] = True

    # The classifier is English-only: on other languages it fires on harmless words (0.74 on a
    # Dutch tax question), so it scores English text and the dictionaries cover the rest.
    english = (frame["language"] == "en").fill_null(False).to_numpy()
    probability = np.zeros(n, dtype=np.float64)
    english_text = frame["text"].filter(pl.Series(english))
    if len(english_text):
        probability[english] = np.concatenate(
            [
                offensive_probability(english_text.slice(start, CHUNK_ROWS))
                for start in range(0, len(english_text), CHUNK_ROWS)
            ]
        )
    offensive = (probability >= OFFENSIVE_PROBABILITY) | dictionary_hit

    text = pl.col("text").str.to_lowercase()
    flags = frame.select(
        *[
            text.str.contains(stems_pattern(stems)).alias(name)
            for name, (_, stems) in HARM_CATEGORIES.items()
        ],
        text.str.contains(stems_pattern(INTENT_CUES)).alias("_intent"),
        text.str.contains(stems_pattern(WRAPPER_CUES)).alias("_wrapped"),
    )
    severe_names = [name for name, (severe, _) in HARM_CATEGORIES.items() if severe]
    categories = flags.select(pl.sum_horizontal(list(HARM_CATEGORIES))).to_series().to_numpy()
    severe = flags.select(pl.any_horizontal(severe_names)).to_series().to_numpy()
    intent = flags["_intent"].to_numpy() | flags["_wrapped"].to_numpy()

    harm = categories > 0
    escalated = harm & (intent | (categories >= 2))
    score = np.ones(n, dtype=np.int8)
    score[offensive] = 2
    score[harm] = 3
    score[escalated | (harm & offensive) | severe] = 4
    score[severe & escalated] = 5
    label = pl.lit("")
    for name in reversed(HARM_CATEGORIES):
        label = pl.when(pl.col(name)).then(pl.lit(HARM_LABELS[name])).otherwise(label)
    return flags.with_columns(pl.Series("concerning", score, dtype=pl.Int8)).select(
        "concerning",
        pl.when(pl.col("concerning") >= 3).then(label).otherwise(pl.lit("")).alias("harm_label"),
    )
