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

# Words: Latin/Cyrillic/Greek/Hangul/... letter runs (with inner apostrophes or hyphens); Han
# runs; katakana runs; hiragana runs. Han runs longer than two characters are then cut into
# overlapping character pairs (see ``word_tokens``).
_NON_CJK = r"[[\p{L}\p{M}]--[\p{Han}\p{Katakana}\p{Hiragana}ー]]"
_WORD = rf"\p{{Han}}+|[\p{{Katakana}}ー]+|\p{{Hiragana}}+|{_NON_CJK}+(?:['’\-]{_NON_CJK}+)*"


CHUNK_ROWS = 100_000  # conversations whose tokens are exploded at once: bounds memory at 1M

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
    """Lower-cased word tokens, in order, of already scrubbed text (List[str]); Han runs whole."""
    return text.str.to_lowercase().str.extract_all(_WORD)


def explode_tokens(frame: pl.DataFrame, column: str = "tokens") -> pl.DataFrame:
    """One row per token (column ``token``), in order, with long Han runs cut into pairs.

    Chinese and Japanese kanji compounds have no spaces: a Han run longer than two characters
    becomes its overlapping character pairs (机器学习 -> 机器 器学 学习), so a common word inside it
    is counted the same way for every user whatever surrounds it. Done on the exploded frame,
    and only for those rows, because the same step inside ``list.eval`` was 20x slower.
    """
    long = frame.explode(column).rename({column: "token"}).drop_nulls("token").with_row_index("_position")
    is_long_han = pl.col("token").str.contains(r"^\p{Han}{3,}$")
    han = long.filter(is_long_han)
    if han.height == 0:
        return long.drop("_position")
    pairs = pl.col("token").str.split("").list.eval(pl.element() + pl.element().shift(-1)).list.drop_nulls()
    han = han.with_columns(pairs).explode("token")
    merged = pl.concat([long.filter(~is_long_han), han])
    return merged.sort("_position", maintain_order=True).drop("_position")


def tokens_of(texts: list[str]) -> list[list[str]]:
    """The tokens of a few plain strings (for configuration text such as custom facet questions)."""
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.Utf8}).with_row_index("row")
    tokens = frame.select("row", word_tokens(scrub_identifiers(pl.col("t"))).alias("tokens"))
    grouped = explode_tokens(tokens).group_by("row", maintain_order=True).agg("token")
    by_row = dict(zip(grouped["row"].to_list(), grouped["token"].to_list(), strict=True))
    return [by_row.get(i, []) for i in range(len(texts))]


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
