"""The local backend's 1–5 safety concern score, from maintained offensive-language resources plus
multilingual harm-category cues.

Signals, all computed on the user's own messages:
- ``alt-profanity-check`` (maintained successor of profanity-check): a linear SVM over TF-IDF
  trained on ~200k human-labelled toxic/offensive comments; English, offline, ~0.1 ms per text.
- ``glin-profanity`` word lists: maintained profanity dictionaries for 24 languages, matched as
  whole tokens in the conversation's detected language and in English.
- ``facet_lexicons.HARM_CATEGORIES``: stems for eight safety categories (mass-casualty weapons,
  child safety, weapons, violence, self-harm, malware, drugs, fraud) in nine languages, and
  ``INTENT_CUES`` for operational intent ("how to make", "step by step", "without getting caught").

Mapping (the highest rule that applies):
  5  a severe category (mass casualty, child safety) with intent or with a second category
  4  any harm category with intent, with a second category, or with offensive language;
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

from clio_dagster.core.facet_lexicons import HARM_CATEGORIES, INTENT_CUES

OFFENSIVE_PROBABILITY = 0.5
_CLASSIFIER_CHARS = 1000  # the SVM sees the start of the user's text; cost grows with length

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
    """alt-profanity-check's probability that each text is offensive (0 for empty text)."""
    from profanity_check import predict_prob

    clipped = texts.fill_null("").str.slice(0, _CLASSIFIER_CHARS)
    nonempty = (clipped.str.strip_chars().str.len_chars() > 0).to_numpy()
    probability = np.zeros(len(clipped), dtype=np.float64)
    if nonempty.any():
        probability[nonempty] = predict_prob(clipped.filter(pl.Series(nonempty)).to_list())
    return probability


def concern_scores(user_text: pl.Series, tokens: pl.Series, language: pl.Series) -> pl.Series:
    """The 1–5 concern score (Int8) per conversation; see the module docstring for the mapping.

    ``tokens`` are the word tokens of ``user_text`` (List[str]); ``language`` its ISO 639-1 code.
    """
    n = len(user_text)
    frame = pl.DataFrame({"text": user_text.fill_null(""), "tokens": tokens, "language": language})
    frame = frame.with_row_index("row")

    # Dictionary hits in the conversation's own language or in English.
    words = profanity_words()
    exploded = frame.select("row", "language", "tokens").explode("tokens").rename({"tokens": "token"})
    own = exploded.join(words, on=["language", "token"], how="semi")
    english = exploded.filter(
        pl.col("token").is_in(words.filter(pl.col("language") == "en")["token"].implode())
    )
    hit_rows = pl.concat([own["row"], english["row"]]).unique()
    dictionary_hit = np.zeros(n, dtype=bool)
    dictionary_hit[hit_rows.to_numpy()] = True

    offensive = (offensive_probability(frame["text"]) >= OFFENSIVE_PROBABILITY) | dictionary_hit

    text = pl.col("text").str.to_lowercase()
    flags = frame.select(
        *[
            text.str.contains(stems_pattern(stems)).alias(name)
            for name, (_, stems) in HARM_CATEGORIES.items()
        ],
        text.str.contains(stems_pattern(INTENT_CUES)).alias("_intent"),
    )
    severe_names = [name for name, (severe, _) in HARM_CATEGORIES.items() if severe]
    categories = flags.select(pl.sum_horizontal(list(HARM_CATEGORIES))).to_series().to_numpy()
    severe = flags.select(pl.any_horizontal(severe_names)).to_series().to_numpy()
    intent = flags["_intent"].to_numpy()

    harm = categories > 0
    escalated = harm & (intent | (categories >= 2))
    score = np.ones(n, dtype=np.int8)
    score[offensive] = 2
    score[harm] = 3
    score[escalated | (harm & offensive) | severe] = 4
    score[severe & escalated] = 5
    return pl.Series("concerning", score, dtype=pl.Int8)
