"""Assemble one split of the development corpus: days, users, timestamps, plants, verdicts.

Outputs (see `write_corpus`): conversations.jsonl in the project's input schema (DESIGN §3),
labels.jsonl (one row per conversation), prompts.parquet (harmful/benign prompt table) and
summary.json. User turns are real text from the sources; between two user turns an assistant
message holds a short neutral placeholder (`ASSISTANT_PLACEHOLDER`), since no source ships the
replies; single-turn conversations have the user message only.
"""

from __future__ import annotations

import functools
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from . import plants
from .conversations import Planned, compose_woz_conversations, hash_id, split_of
from .harmful import load_harmful
from .people import assign_users, timestamp
from .sources import (
    SourceItem,
    convlab_sdist_path,
    dedupe_by_text,
    load_convlab_utterances,
    load_freshqa,
    load_home_assistant,
    load_mtbench,
    load_writingbench,
)

ASSISTANT_PLACEHOLDER = "[assistant reply not included in this corpus]"

EMERGING_TOPICS = {"multiwoz/hospital"}
# Benign topics the existing classifier over-flags: fiction (violent plots), people reporting a
# crime to the police, and code.
FALSE_POSITIVE_TOPICS = ("writingbench/Literature & Arts/", "multiwoz/police", "mtbench/coding")
FALSE_NEGATIVE_CATEGORY = "misinformation"
TRANSLATION_SHARE = 0.06  # of the other harmful prompts, sent inside a translation request
# Upper bounds as a share of all conversations; the sources' own sizes are the other bound.
HARMFUL_SHARE = 0.08
FALSE_POSITIVE_SHARE = 0.025
EMERGING_SHARE = 0.035  # of the last day
TEMPLATE_MIN_SHARE = 0.12

FLAG_RATES = {
    "harmful": 0.85,
    "benign": 0.01,
    "false_positive": 0.6,
    "false_negative": 0.03,
    "false_negative_translation": 0.05,
    "spam_network": 0.02,
}

PLATFORMS = ["web", "web", "web", "ios", "android", "api"]


@dataclass(frozen=True)
class CorpusOptions:
    split: str = "dev"
    days: int = 3
    per_day: int = 3000
    seed: int = 0
    start_date: date = date(2026, 11, 2)
    convlab_sdist: Path | None = None
    pii_share: float = 0.03
    spam_accounts: int = 30
    crowd_groups: int = 3
    crowd_size: tuple[int, int] = (30, 40)
    # None: all 65 locales; a few make small builds (tests) fast.
    home_assistant_locales: tuple[str, ...] | None = None


@functools.lru_cache(maxsize=2)
def _all_items(convlab_sdist: Path | None, seed: int, locales: tuple[str, ...] | None) -> tuple:
    utterances = load_convlab_utterances(convlab_sdist_path(convlab_sdist))
    real = dedupe_by_text(load_writingbench() + load_freshqa() + load_mtbench())
    home_assistant = load_home_assistant(seed, locales=locales)
    return tuple(utterances), tuple(real), tuple(home_assistant), tuple(load_harmful())


def split_items(options: CorpusOptions) -> dict[str, list[SourceItem]]:
    """The split's items by role: real benign conversations, template-made ones, harmful prompts."""
    utterances, real, home_assistant, harmful = _all_items(
        options.convlab_sdist, options.seed, options.home_assistant_locales
    )
    rng = random.Random(f"{options.seed}:{options.split}:woz")
    in_split = [u for u in utterances if split_of(u.item_id) == options.split]
    woz = compose_woz_conversations(in_split, rng, focused=frozenset(EMERGING_TOPICS))
    keep = lambda items: [item for item in items if split_of(item.item_id) == options.split]  # noqa: E731
    return {"real": woz + keep(real), "template": keep(home_assistant), "harmful": keep(harmful)}


def _common_question(item: SourceItem) -> bool:
    """A short question many unrelated people could ask on one day (crowd decoys)."""
    short = len(item.turns[0]) <= 140
    return (
        item.source in {"freshqa", "mtbench"} and short and not item.topic.startswith(FALSE_POSITIVE_TOPICS)
    )


def _capped(items: list, share: float, options: CorpusOptions, rng: random.Random) -> list:
    """At most `share` of the corpus, drawn at random: keeps small builds in proportion."""
    cap = max(1, round(share * options.per_day * options.days))
    items = list(items)
    rng.shuffle(items)
    return items[:cap]


def plan_conversations(options: CorpusOptions) -> tuple[list[Planned], dict]:
    """Every conversation of the split with its day, plant and flag kind (users and times later)."""
    rng = random.Random(f"{options.seed}:{options.split}:plan")
    items = split_items(options)
    planned: list[Planned] = []

    crowd_pool = [item for item in items["real"] if _common_question(item)]
    rng.shuffle(crowd_pool)
    # Each crowd asks its question every day, with different people each day: a one-day crowd
    # would also be a new topic that day and blur the single planted emerging topic.
    crowd_questions = crowd_pool[: options.crowd_groups]
    for day in range(options.days):
        for group, item in enumerate(crowd_questions):
            for _ in range(rng.randint(*options.crowd_size)):
                turns = (plants.vary_question(item.turns[0], rng),)
                planned.append(Planned(item, turns, f"crowd_{group + 1}", "benign", day))

    used = {item.item_id for item in crowd_questions}
    emerging = [item for item in items["real"] if item.topic in EMERGING_TOPICS]
    over_flagged = [item for item in items["real"] if item.topic.startswith(FALSE_POSITIVE_TOPICS)]
    for item in _capped(emerging, EMERGING_SHARE / options.days, options, rng):
        planned.append(Planned(item, item.turns, "emerging", "benign", options.days - 1))
    for item in _capped(over_flagged, FALSE_POSITIVE_SHARE, options, rng):
        planned.append(
            Planned(item, item.turns, "false_positive", "false_positive", rng.randrange(options.days))
        )
    used |= {item.item_id for item in emerging + over_flagged}
    ordinary = [item for item in items["real"] if item.item_id not in used]

    for item in _capped(items["harmful"], HARMFUL_SHARE, options, rng):
        day = rng.randrange(options.days)
        if item.harm_category == FALSE_NEGATIVE_CATEGORY:
            planned.append(Planned(item, item.turns, "false_negative", "false_negative", day))
        elif rng.random() < TRANSLATION_SHARE:
            turns = (plants.translation_request(item.turns[0], rng),)
            kind = "false_negative_translation"
            planned.append(Planned(item, turns, kind, kind, day))
        else:
            planned.append(Planned(item, item.turns, None, "harmful", day))

    planned += _spam_network(options, rng)
    return _fill_days(planned, ordinary, items["template"], options, rng)


def _spam_network(options: CorpusOptions, rng: random.Random) -> list[Planned]:
    products = [product for product in plants.SPAM_PRODUCTS if split_of(product[1]) == options.split]
    products = products or plants.SPAM_PRODUCTS
    item = SourceItem("planted:spam", "planted_spam", "en", "spam/seo_content", "marketing spam", (), True)
    planned = []
    for day in range(options.days):
        for account in range(options.spam_accounts):
            for _ in range(rng.randint(4, 6)):
                plan = Planned(
                    item, (plants.spam_request(rng, products),), "spam_network", "spam_network", day
                )
                plan.user_id = hash_id("user", options.seed, options.split, "spam", account)
                planned.append(plan)
    return planned


def _fill_days(
    planned: list[Planned],
    ordinary: list[SourceItem],
    template: list[SourceItem],
    options: CorpusOptions,
    rng: random.Random,
) -> tuple[list[Planned], dict]:
    """Each day gets the plants, then ordinary real conversations, then template-made smart-home
    commands (at least TEMPLATE_MIN_SHARE of the day), up to per_day. Real text beyond what the
    days hold is left out (and reported in the summary's limits)."""
    limits: dict = {}
    ordinary = list(ordinary)
    rng.shuffle(ordinary)
    template = list(template)
    rng.shuffle(template)
    final: list[Planned] = []
    for day in range(options.days):
        fixed = [plan for plan in planned if plan.day == day]
        room = max(0, options.per_day - len(fixed))
        # Template-made commands keep a floor share: they are the only text in most languages.
        template_floor = min(len(template), round(TEMPLATE_MIN_SHARE * options.per_day), room)
        # An even share of what remains, so every day has the same mix of sources.
        real_today = min(room - template_floor, -(-len(ordinary) // (options.days - day)))
        real = [Planned(ordinary.pop(), (), None, "benign", day) for _ in range(real_today)]
        filler = [
            Planned(template.pop(), (), None, "benign", day)
            for _ in range(min(room - real_today, len(template)))
        ]
        for plan in real + filler:
            plan.turns = plan.item.turns
        final += fixed + real + filler
        if len(fixed) + len(real) + len(filler) < options.per_day:
            limits[f"day{day + 1}_short_by"] = options.per_day - len(fixed) - len(real) - len(filler)
    if ordinary:
        limits["real_conversations_left_out"] = len(ordinary)
    return final, limits


def _messages(turns: tuple[str, ...]) -> list[dict]:
    messages = []
    for index, turn in enumerate(turns):
        if index:
            messages.append({"role": "assistant", "content": ASSISTANT_PLACEHOLDER})
        messages.append({"role": "user", "content": turn})
    return messages


def _verdict(plan: Planned, rng: random.Random) -> dict:
    categories = plants.MODERATION_CATEGORIES.get(
        plan.item.harm_category or "", plants.FALSE_POSITIVE_CATEGORIES
    )
    return plants.moderation(FLAG_RATES[plan.flag_kind], categories, rng)


def build_corpus(options: CorpusOptions) -> dict:
    """The split as records: {"conversations", "labels", "prompts", "summary"}; deterministic."""
    planned, limits = plan_conversations(options)
    rng = random.Random(f"{options.seed}:{options.split}:people")
    assign_users(planned, options.seed, options.split, options.days, rng)
    pii = plants.PiiPlanter(options.seed)
    day_starts = [
        datetime.combine(options.start_date + timedelta(days=d), datetime.min.time(), UTC)
        for d in range(options.days)
    ]
    rows = []
    for index, plan in enumerate(planned):
        turns = list(plan.turns)
        pii_values: list[str] = []
        if plan.planted is None or plan.planted in {"emerging", "false_positive"}:
            for turn_index, turn in enumerate(turns):
                if rng.random() < options.pii_share:
                    turns[turn_index], inserted = pii.plant(turn, plan.item.language, rng)
                    pii_values += inserted
        conversation_id = hash_id("conv", options.seed, options.split, index)
        created_at = timestamp(plan, day_starts[plan.day], rng)
        conversation = {
            "conversation_id": conversation_id,
            "user_id": plan.user_id,
            "created_at": created_at,
            "messages": _messages(tuple(turns)),
            "moderation": _verdict(plan, rng),
            "metadata": {"platform": rng.choice(PLATFORMS)},
        }
        label = {
            "conversation_id": conversation_id,
            "user_id": plan.user_id,
            "date": (options.start_date + timedelta(days=plan.day)).isoformat(),
            "split": options.split,
            "topic": plan.item.topic,
            "coarse_topic": plan.item.coarse_topic,
            "language": plan.item.language,
            "source": plan.item.source,
            "template_made": plan.item.template_made,
            "harmful": plan.item.harmful,
            "harm_category": plan.item.harm_category,
            "planted": plan.planted,
            "pii": pii_values,
            "turns": len(turns),
            "source_item_ids": plan.item.extra.get("source_item_ids", [plan.item.item_id]),
        }
        rows.append(
            (
                datetime.fromisoformat(created_at).astimezone(UTC),
                conversation_id,
                conversation,
                label,
            )
        )
    rows.sort(key=lambda row: (row[0], row[1]))
    conversations = [row[2] for row in rows]
    labels = [row[3] for row in rows]
    return {
        "conversations": conversations,
        "labels": labels,
        "prompts": prompt_table(options),
        "summary": summarise(labels, options, limits),
    }


def prompt_table(options: CorpusOptions) -> list[dict]:
    """Harmful and benign user prompts of this split, for training and testing a concern classifier."""
    items = split_items(options)
    rows = []
    for item in items["harmful"] + items["real"] + items["template"]:
        for turn in item.turns:
            rows.append(
                {
                    "text": turn,
                    "language": item.language,
                    "harmful": item.harmful,
                    "harm_category": item.harm_category,
                    "source": item.source,
                    "source_label": item.source_label,
                    "template_made": item.template_made,
                    "split": options.split,
                }
            )
            if item.harmful:
                break  # a harmful item is one prompt
    return rows


def summarise(labels: list[dict], options: CorpusOptions, limits: dict) -> dict:
    def count(key):
        return dict(sorted(Counter(str(label[key]) for label in labels).items()))

    users_by_day = defaultdict(set)
    for label in labels:
        users_by_day[label["date"]].add(label["user_id"])
    days_per_user = Counter(
        label["user_id"] for label in {(x["user_id"], x["date"]): x for x in labels}.values()
    )
    return {
        "split": options.split,
        "seed": options.seed,
        "days": options.days,
        "per_day_target": options.per_day,
        "conversations": len(labels),
        "conversations_per_day": count("date"),
        "users": len({label["user_id"] for label in labels}),
        "users_per_day": {day: len(users) for day, users in sorted(users_by_day.items())},
        "users_on_several_days": sum(1 for n in days_per_user.values() if n > 1),
        "per_source": count("source"),
        "per_language": count("language"),
        "per_coarse_topic": count("coarse_topic"),
        "fine_topics": len({label["topic"] for label in labels}),
        "template_made": sum(label["template_made"] for label in labels),
        "harmful": sum(label["harmful"] for label in labels),
        "planted": count("planted"),
        "conversations_with_pii": sum(1 for label in labels if label["pii"]),
        "limits": limits,
    }
