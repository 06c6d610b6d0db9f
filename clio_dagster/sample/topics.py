"""The topic catalogue: how often each topic occurs, how the classifier treats it, in which languages."""

from __future__ import annotations

from dataclasses import dataclass, field

from clio_dagster.sample import (
    text_de,
    text_en_cases,
    text_en_code,
    text_en_life,
    text_en_office,
    text_es,
    text_fr,
    text_it,
    text_ja,
    text_pt,
    text_ru,
)
from clio_dagster.sample.textspec import TopicText

# Language -> topic -> text. English covers every topic; other languages cover the topics their
# speakers bring up most, which is what makes language shares differ by topic.
TEXTS: dict[str, dict[str, TopicText]] = {
    "en": {**text_en_code.TOPICS, **text_en_office.TOPICS, **text_en_life.TOPICS, **text_en_cases.TOPICS},
    "es": text_es.TOPICS,
    "fr": text_fr.TOPICS,
    "de": text_de.TOPICS,
    "pt": text_pt.TOPICS,
    "it": text_it.TOPICS,
    "ja": text_ja.TOPICS,
    "ru": text_ru.TOPICS,
}

BASE_LANGUAGE_SHARE: dict[str, float] = {
    "en": 0.45,
    "es": 0.11,
    "fr": 0.08,
    "de": 0.08,
    "pt": 0.08,
    "it": 0.05,
    "ja": 0.06,
    "ru": 0.06,
}

BENIGN_CATEGORIES = ("harassment", "violence", "sexual")


@dataclass(frozen=True)
class Topic:
    """One ground-truth topic: its weight in the regular daily mix and its moderation behaviour."""

    id: str
    weight: float  # relative share of regular traffic; 0 = only placed by a planted scenario
    flag_rate: float  # probability that the existing classifier flags a conversation
    categories: tuple[str, ...] = BENIGN_CATEGORIES
    boost: dict[str, float] = field(default_factory=dict)  # language multipliers
    group: str | None = None  # "false_positive" / "false_negative" classifier disagreement
    concerning: bool = False  # truly harmful requests

    def languages(self) -> tuple[tuple[str, ...], tuple[float, ...]]:
        """Languages this topic is written in and their relative weights."""
        langs = tuple(lang for lang in TEXTS if self.id in TEXTS[lang])
        weights = tuple(BASE_LANGUAGE_SHARE[lang] * self.boost.get(lang, 1.0) for lang in langs)
        return langs, weights


def _t(id: str, weight: float, flag_rate: float, **kw) -> Topic:
    return Topic(id=id, weight=weight, flag_rate=flag_rate, **kw)


TOPICS: dict[str, Topic] = {
    t.id: t
    for t in (
        _t("python_help", 5.0, 0.01, boost={"ru": 1.5, "ja": 1.2}),
        _t("javascript_help", 3.0, 0.01, boost={"pt": 1.5}),
        _t("java_help", 2.0, 0.01),
        _t("debugging", 4.0, 0.01, boost={"ru": 1.5}),
        _t("sql_queries", 2.5, 0.01, boost={"de": 1.3, "ru": 1.3}),
        _t("data_analysis", 2.0, 0.01),
        _t("excel_formulas", 2.0, 0.01),
        _t("cover_letter_cv", 3.5, 0.01, boost={"fr": 1.5, "es": 1.3}),
        _t("email_writing", 4.5, 0.01, boost={"ja": 1.8, "de": 1.3}),
        _t("marketing_copy", 3.0, 0.02, boost={"pt": 1.6}),
        _t("product_descriptions", 2.0, 0.01),
        _t("interview_prep", 2.5, 0.01),
        _t("summarisation", 3.0, 0.02, boost={"ja": 1.5}),
        _t("essay_writing", 3.5, 0.03, boost={"fr": 1.8, "ru": 1.5, "it": 1.5}),
        _t("translation", 3.0, 0.01, boost={"ja": 3.0, "ru": 1.5}),
        _t(
            "security_scripting",
            2.0,
            0.55,
            categories=("malware", "violence"),
            boost={"ru": 2.0},
            group="false_positive",
        ),
        _t("seo_spam", 0.0, 0.15, categories=("spam",)),
        _t("malware_requests", 1.2, 0.85, categories=("malware",), boost={"ru": 2.0}, concerning=True),
        _t("recipes", 3.5, 0.01, boost={"it": 4.0, "fr": 2.0, "pt": 1.5}),
        _t("travel_planning", 3.0, 0.01, boost={"es": 1.5, "it": 1.5}),
        _t("fitness", 2.5, 0.01),
        _t("tax_questions", 2.0, 0.01, boost={"de": 3.0}),
        _t("poetry", 2.0, 0.02, boost={"ja": 1.5, "it": 1.5, "fr": 1.3}),
        _t("math_homework", 4.0, 0.01, boost={"pt": 1.5, "ru": 1.3}),
        _t("legal_questions", 2.0, 0.02, boost={"de": 1.5}),
        _t("medical_symptoms", 2.5, 0.06, categories=("self-harm", "sexual"), boost={"es": 1.5}),
        _t("relationship_advice", 2.5, 0.04, boost={"pt": 2.0, "es": 1.5}),
        _t("roleplay_story", 2.5, 0.08, boost={"ja": 2.0}),
        _t(
            "rpg_combat_stats",
            2.0,
            0.65,
            categories=("violence", "violence/graphic"),
            boost={"ja": 1.5},
            group="false_positive",
        ),
        _t("language_learning", 2.5, 0.01, boost={"ja": 2.0, "pt": 1.5, "es": 1.5}),
        _t("gardening", 1.5, 0.01, boost={"de": 1.5, "it": 1.5}),
        _t("personal_finance", 2.0, 0.01, boost={"de": 1.3}),
        _t("home_repair", 1.5, 0.01, boost={"de": 2.0}),
        _t("music_theory", 1.2, 0.01, boost={"it": 2.0}),
        _t("history_questions", 2.0, 0.03, boost={"fr": 1.3, "ru": 1.5, "it": 1.5}),
        _t("philosophy", 1.3, 0.01, boost={"fr": 2.5}),
        _t("parenting", 1.5, 0.02, boost={"pt": 2.0}),
        _t("weapons_requests", 1.0, 0.9, categories=("violence", "illicit/weapons"), concerning=True),
        _t("drug_requests", 1.0, 0.85, categories=("illicit/drugs",), concerning=True),
        _t("self_harm", 0.8, 0.95, categories=("self-harm", "self-harm/intent"), concerning=True),
        _t(
            "harmful_translation",
            2.0,
            0.06,
            categories=("violence", "harassment"),
            boost={"es": 2.0, "fr": 2.0},
            group="false_negative",
            concerning=True,
        ),
        _t("heating_rebate", 0.0, 0.01, boost={"de": 2.5, "es": 1.5}),
        _t("apiary_inheritance", 0.0, 0.0),
    )
}

SPAM_TOPIC = "seo_spam"
EMERGING_TOPIC = "heating_rebate"
MICRO_TOPIC = "apiary_inheritance"
REGULAR_TOPICS: tuple[str, ...] = tuple(t.id for t in TOPICS.values() if t.weight > 0)
