"""Polars expressions that turn user text into privacy-safe word tokens, plus stop-word tables.

Shared by the local facet extractor (request, task, custom facets) and anything else that needs
the same notion of a "word" (e.g. local cluster naming).
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

# Whole whitespace-delimited chunks that are never words: URLs, e-mails, handles, anything with a
# digit (phones, ids, dates, postcodes), snake_case / dotted identifiers, file names, getUserById,
# and very long runs. They are blanked out *before* word extraction so that no fragment of them
# (the "john" of john.smith@x.com) can leak into a facet.
_CHUNK_CHAR = r"[^\s\p{Han}\p{Hiragana}\p{Katakana}ー、。，．！？「」（）]"  # CJK text has no spaces
_IDENTIFIER_CHUNK = (
    rf"{_CHUNK_CHAR}*(?:://|www\.|@|#|\d|_|\p{{L}}\.\p{{L}}|\p{{Ll}}\p{{Lu}}\p{{L}}*\p{{Ll}}\p{{Lu}}|[\\/]\p{{L}})"
    rf"{_CHUNK_CHAR}*|{_CHUNK_CHAR}{{31,}}"
)

# Words: Latin/Cyrillic/Greek/... letter runs (with inner apostrophes or hyphens); Han characters
# in pairs (most Chinese/Japanese content words are two characters and there are no spaces);
# katakana and hiragana runs; Hangul runs.
_WORD = (
    r"\p{Han}{1,2}"
    r"|[\p{Katakana}ー]+"
    r"|\p{Hiragana}+"
    r"|[[\p{L}\p{M}]--[\p{Han}\p{Katakana}\p{Hiragana}ー]]+(?:['’\-][[\p{L}\p{M}]--[\p{Han}\p{Katakana}\p{Hiragana}ー]]+)*"
)

# Stop-word lists maintained by spaCy (``spacy.lang.<iso>.stop_words``), loaded lazily.
STOP_WORD_LANGUAGES = (
    "ar", "bg", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "he", "hi", "hr",
    "hu", "id", "it", "ja", "ko", "lt", "lv", "nb", "nl", "pl", "pt", "ro", "ru", "sk", "sl", "sr",
    "sv", "th", "tl", "tr", "uk", "ur", "vi", "zh",
)  # fmt: skip


def scrub_identifiers(text: pl.Expr) -> pl.Expr:
    """Blank out identifier-like chunks (URLs, e-mails, numbers, code identifiers)."""
    return text.str.replace_all(_IDENTIFIER_CHUNK, " ")


def word_tokens(text: pl.Expr) -> pl.Expr:
    """Lower-cased word tokens, in order, of already scrubbed text (List[str])."""
    return text.str.to_lowercase().str.extract_all(_WORD)


def tokens_of(texts: list[str]) -> list[list[str]]:
    """The tokens of a few plain strings (for configuration text such as custom facet questions)."""
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.Utf8})
    return frame.select(word_tokens(scrub_identifiers(pl.col("t")))).to_series().to_list()


@lru_cache(maxsize=1)
def stop_words() -> pl.DataFrame:
    """One row per (language, stop word) from spaCy's per-language lists."""
    import importlib.util
    from pathlib import Path

    # Load only the data files: importing ``spacy.lang.<iso>`` would also build tokenizer
    # exceptions (12 s for French alone).
    spacy_spec = importlib.util.find_spec("spacy")
    if spacy_spec is None or spacy_spec.origin is None:
        return pl.DataFrame(schema={"language": pl.Utf8, "token": pl.Utf8})
    lang_dir = Path(spacy_spec.origin).parent / "lang"
    rows_lang: list[str] = []
    rows_word: list[str] = []
    for iso in STOP_WORD_LANGUAGES:
        path = lang_dir / iso / "stop_words.py"
        spec = importlib.util.spec_from_file_location(f"_clio_stop_words_{iso}", path)
        if spec is None or spec.loader is None or not path.exists():
            continue
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for word in module.STOP_WORDS:
            rows_lang.append(iso)
            rows_word.append(word.lower())
    frame = pl.DataFrame(
        {"language": rows_lang, "token": rows_word}, schema={"language": pl.Utf8, "token": pl.Utf8}
    )
    return frame.unique().sort("language", "token")


@lru_cache(maxsize=1)
def any_language_stop_words() -> frozenset[str]:
    """Stop words of every language at once (for short configuration text of unknown language)."""
    return frozenset(stop_words()["token"].to_list())
