"""Turn one planned conversation into its record: messages, moderation verdict and planted details."""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker

from clio_dagster.sample.draw import pick, weighted
from clio_dagster.sample.kits import KITS
from clio_dagster.sample.textspec import LanguageKit, TopicText
from clio_dagster.sample.topics import TEXTS, Topic

# User turns per conversation: most chats are one or two exchanges, a few run longer.
TURN_CHOICES = (1, 2, 3, 4)
TURN_CUM = (45, 75, 90, 100)  # running totals of 45/30/15/10 %
SPACED = frozenset({"en", "es", "fr", "de", "pt", "it", "ru"})  # languages written with spaces between words
PII_RATE = 0.10
INJECTION_RATE = 0.015
SYSTEM_RATE = 0.15
TYPO_RATE = 0.15
CONTEXT_RATE = 0.25


@dataclass
class Rendered:
    """A conversation's messages, its classifier verdict and what was planted in it."""

    messages: list[dict[str, str]]
    moderation: dict
    planted: list[str]
    injection: bool


class PersonalDetails:
    """Faker generators per language, seeded once, so planted details are reproducible.

    Faker costs ~0.2 ms per value; past ``pool_cap`` values of one kind and language the same
    values are drawn again, which keeps a million-conversation sample fast while a given detail
    still appears for only a handful of users.
    """

    def __init__(self, seed: int, rng: random.Random, pool_cap: int = 2000) -> None:
        self._fakers: dict[str, Faker] = {}
        self._pools: dict[tuple[str, str], list[str]] = {}
        self._seed = seed
        self._rng = rng
        self._cap = pool_cap

    def _faker(self, lang: str) -> Faker:
        if lang not in self._fakers:
            fake = Faker(KITS[lang].faker_locale)
            fake.seed_instance(self._seed * 131 + sorted(KITS).index(lang))
            # Faker's it_IT address provider builds its city list from a set, so its order (and
            # the sample's bytes) would follow PYTHONHASHSEED; sorting restores determinism.
            for provider in fake.get_providers():
                if isinstance(getattr(provider, "cities", None), list):
                    provider.cities = sorted(provider.cities)
            self._fakers[lang] = fake
        return self._fakers[lang]

    def value(self, lang: str, kind: str) -> str:
        pool = self._pools.setdefault((lang, kind), [])
        if len(pool) >= self._cap:
            return pick(self._rng, pool)
        pool.append(self._fresh(lang, kind))
        return pool[-1]

    def _fresh(self, lang: str, kind: str) -> str:
        fake = self._faker(lang)
        if kind == "name":
            return fake.name()
        if kind == "email":
            return fake.email()
        if kind == "phone":
            return fake.phone_number()
        # Some locales format addresses over several lines; chat users type them on one.
        return f"{fake.street_address()}, {fake.city()}".replace("\n", ", ")


def _typo(rng: random.Random, text: str) -> str:
    """Swap two letters inside one longer word, or drop the capital, like a hurried typist."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
    if long_words and rng.random() < 0.7:
        i = pick(rng, long_words)
        w = words[i]
        j = rng.randrange(1, len(w) - 2)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        return " ".join(words)
    return text[:1].lower() + text[1:]


def _join(lang: str, *parts: str) -> str:
    sep = " " if lang in SPACED else ""
    return sep.join(p.strip() for p in parts if p.strip())


def _moderation(rng: random.Random, topic: Topic) -> dict:
    flagged = rng.random() < topic.flag_rate
    if flagged:
        score = 0.5 + 0.49 * rng.random() ** 0.6
        n = 1 if len(topic.categories) == 1 or rng.random() < 0.7 else 2
        categories = sorted(rng.sample(topic.categories, n))
    else:
        # Harmful topics that slip through still score higher than everyday requests.
        ceiling = 0.45 if topic.concerning or topic.group else 0.15
        score = ceiling * rng.random() ** 2
        categories = []
    return {"flagged": flagged, "score": round(score, 4), "categories": categories}


def _pii_sentences(
    rng: random.Random, kit: LanguageKit, details: PersonalDetails
) -> tuple[list[str], list[str]]:
    kinds = rng.sample(("name", "email", "phone", "address"), pick(rng, (1, 1, 2, 2, 3)))
    sentences, planted = [], []
    for kind in kinds:
        value = details.value(kit.code, kind)
        template = pick(rng, getattr(kit, f"pii_{kind}"))
        sentences.append(template.format(**{kind: value}))
        planted.append(value)
    return sentences, planted


def _first_answer(rng: random.Random, text: TopicText, kit: LanguageKit, fills: dict[str, str]) -> str:
    if not text.reply:
        return pick(rng, kit.answer)
    answer = pick(rng, text.reply).format_map(fills)  # replies may echo the request's fillers
    return answer[:1].upper() + answer[1:]


def render(
    rng: random.Random, topic: Topic, lang: str, details: PersonalDetails, *, templated: bool = False
) -> Rendered:
    """Write one conversation of ``topic`` in ``lang``; ``templated`` means bot-like, no variation."""
    kit = KITS[lang]
    text: TopicText = TEXTS[lang][topic.id]
    fills = {name: pick(rng, options) for name, options in text.slots.items()}
    # An empty optional filler must not leave "Lisbon ." or a double space behind.
    ask = " ".join(pick(rng, text.ask).format_map(fills).split()).replace(" .", ".").replace(" ,", ",")
    if lang != "fr":  # French sets a space before "?"; the others must not keep one from an empty slot
        ask = ask.replace(" ?", "?")
    planted = [fills[name] for name in text.private if fills[name] in ask]

    if templated:
        first = ask
        turns = 1 if rng.random() < 0.8 else 2
    else:
        if lang in SPACED and not text.private and rng.random() < TYPO_RATE:
            ask = _typo(rng, ask)
        opener = pick(rng, kit.openers)
        # "Hello, can you ..." rather than "Hello, Can you ...", but keep acronyms such as "TL;DR".
        if opener and opener.rstrip()[-1] not in ".!?:。" and not ask[1:2].isupper():
            ask = ask[:1].lower() + ask[1:]
        context = pick(rng, kit.contexts) if rng.random() < CONTEXT_RATE else ""
        first = _join(lang, opener, ask, context, pick(rng, kit.closers))
        turns = weighted(rng, TURN_CHOICES, TURN_CUM)

    # Each follow-up comes with the answer that fits it: generic ones are paired with their reply,
    # topic-specific ones get a neutral answer.
    user_turns = [first]
    answers = [_first_answer(rng, text, kit, fills)]
    for _ in range(turns - 1):
        if text.follow and rng.random() < 0.6:
            user_turns.append(pick(rng, text.follow))
            answers.append(pick(rng, kit.answer))
        else:
            i = rng.randrange(len(kit.follow))
            user_turns.append(kit.follow[i])
            answers.append(kit.follow_reply[i])

    injection = False
    if not templated and rng.random() < PII_RATE:
        sentences, values = _pii_sentences(rng, kit, details)
        at = rng.randrange(len(user_turns))
        user_turns[at] = _join(lang, user_turns[at], *sentences)
        planted.extend(values)
    if not templated and rng.random() < INJECTION_RATE:
        name, email = details.value(lang, "name"), details.value(lang, "email")
        template = pick(rng, kit.injection)
        at = rng.randrange(len(user_turns))
        user_turns[at] = _join(lang, user_turns[at], template.format(name=name, email=email))
        planted.extend(v for key, v in (("name", name), ("email", email)) if "{" + key + "}" in template)
        injection = True

    messages: list[dict[str, str]] = []
    if not templated and rng.random() < SYSTEM_RATE:
        messages.append({"role": "system", "content": pick(rng, kit.systems)})
    for content, answer in zip(user_turns, answers, strict=True):
        messages.append({"role": "user", "content": content})
        messages.append({"role": "assistant", "content": answer})
    return Rendered(messages, _moderation(rng, topic), planted, injection)
