"""Who talks when about what: users, the daily mix and the planted trust-and-safety scenarios."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from clio_dagster.sample.draw import weighted
from clio_dagster.sample.kits import KITS
from clio_dagster.sample.topics import EMERGING_TOPIC, MICRO_TOPIC, REGULAR_TOPICS, SPAM_TOPIC, TOPICS

# Relative activity per local hour: quiet at night, busiest late morning and evening.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 8, 8, 8, 8, 8, 8, 8, 9, 9, 8, 6, 4)
HOURS = tuple(range(24))
HOUR_CUM = tuple(itertools.accumulate(HOUR_WEIGHTS))
ONE_OFF_SHARE = 0.4  # conversations from accounts seen only once
FAVOURITE_SHARE = 0.35  # conversations in which a recurring user returns to their usual topic
PLATFORMS, PLATFORM_CUM = ("web", "ios", "android", "api"), (55, 75, 95, 100)
TIERS, TIER_CUM = ("free", "plus", "pro", "team"), (60, 85, 95, 100)


@dataclass(frozen=True)
class User:
    id: str
    lang: str
    offset: int  # minutes east of UTC
    platform: str
    tier: str


@dataclass(frozen=True)
class Planned:
    """One conversation to write: when (seconds after UTC midnight), who, what, and why it exists."""

    second: int
    seq: int
    kind: str  # regular | spam | emerging | micro
    topic: str
    lang: str
    user: User


class Population:
    """Recurring users with Zipf-like activity per language, plus fresh one-off accounts on demand."""

    def __init__(self, rng: random.Random, pool_size: int) -> None:
        self._rng = rng
        self._ids: set[str] = set()
        self._topic_cum = list(itertools.accumulate(TOPICS[t].weight for t in REGULAR_TOPICS))
        self._langs = {}
        for topic_id in (*REGULAR_TOPICS, EMERGING_TOPIC):
            langs, weights = TOPICS[topic_id].languages()
            self._langs[topic_id] = (langs, list(itertools.accumulate(weights)))
        mix: dict[str, float] = {}
        for topic_id in REGULAR_TOPICS:
            langs, cum = self._langs[topic_id]
            for lang, w in zip(langs, _deltas(cum), strict=True):
                mix[lang] = mix.get(lang, 0.0) + TOPICS[topic_id].weight * w / cum[-1]
        pool_langs = rng.choices(list(mix), list(mix.values()), k=pool_size)
        self._pool: dict[str, tuple[list[User], list[float]]] = {}
        for lang in sorted(mix):
            users = [self.new_user(lang) for code in pool_langs if code == lang]
            # 1/(rank+10): a few heavy users, a long tail, no single account dominating a day.
            weights = [1.0 / (k + 10) for k in range(len(users))]
            self._pool[lang] = (users, list(itertools.accumulate(weights)))
        self._pool_langs = [lang for lang in self._pool if self._pool[lang][0]]
        self._pool_lang_cum = list(
            itertools.accumulate(len(self._pool[lang][0]) for lang in self._pool_langs)
        )
        # Each recurring user has a usual subject they keep coming back to.
        self._favourite: dict[str, str] = {}
        for user in (u for users, _ in self._pool.values() for u in users):
            topics = [t for t in REGULAR_TOPICS if user.lang in self._langs[t][0]]
            self._favourite[user.id] = weighted(
                rng, topics, list(itertools.accumulate(TOPICS[t].weight for t in topics))
            )

    def new_user(
        self, lang: str, *, offset: int | None = None, platform: str | None = None, tier: str | None = None
    ) -> User:
        rng = self._rng
        while (uid := f"u_{rng.getrandbits(48):012x}") in self._ids:
            continue
        self._ids.add(uid)
        return User(
            id=uid,
            lang=lang,
            offset=rng.choice(KITS[lang].utc_offsets) if offset is None else offset,
            platform=platform or weighted(rng, PLATFORMS, PLATFORM_CUM),
            tier=tier or weighted(rng, TIERS, TIER_CUM),
        )

    def topic(self) -> str:
        return weighted(self._rng, REGULAR_TOPICS, self._topic_cum)

    def language(self, topic_id: str) -> str:
        langs, cum = self._langs[topic_id]
        return weighted(self._rng, langs, cum)

    def regular(self) -> tuple[User, str]:
        """A recurring user (language by pool size, then by activity) and their usual topic."""
        users, cum = self._pool[weighted(self._rng, self._pool_langs, self._pool_lang_cum)]
        user = weighted(self._rng, users, cum)
        return user, self._favourite[user.id]

    def user(self, lang: str, one_off_share: float = ONE_OFF_SHARE) -> User:
        users, cum = self._pool.get(lang, ([], []))
        if not users or self._rng.random() < one_off_share:
            return self.new_user(lang)
        return weighted(self._rng, users, cum)


def _deltas(cum: list[float]) -> list[float]:
    return [b - a for a, b in zip([0.0, *cum[:-1]], cum, strict=True)]


def local_second(rng: random.Random, offset: int) -> int:
    """A UTC second of the day whose local time (at ``offset``) follows the daily activity curve."""
    hour = weighted(rng, HOURS, HOUR_CUM)
    return (hour * 3600 + rng.randrange(3600) - offset * 60) % 86400


@dataclass(frozen=True)
class Scenario:
    """The fixed cast of the planted trust-and-safety cases."""

    spam_accounts: tuple[User, ...]
    micro_users: tuple[User, ...]


def make_scenario(population: Population, conversations: int) -> Scenario:
    n_spam = min(30, max(3, conversations // 40))
    # The network runs from one hosting region through the API, on free accounts.
    spam = tuple(population.new_user("en", offset=0, platform="api", tier="free") for _ in range(n_spam))
    micro = tuple(population.new_user("en", offset=60) for _ in range(2))
    return Scenario(spam_accounts=spam, micro_users=micro)


def plan_day(
    rng: random.Random, population: Population, scenario: Scenario, conversations: int, *, last_day: bool
) -> list[Planned]:
    """Exactly ``conversations`` planned conversations for one day, in time order."""
    plans: list[Planned] = []
    seq = itertools.count()

    bursts = [rng.randrange(0, 86400 - 1800) for _ in range(2)]
    for account in scenario.spam_accounts:
        for _ in range(1 + (rng.random() < 0.5) + (rng.random() < 0.2)):
            second = rng.choice(bursts) + rng.randrange(1200)
            plans.append(Planned(second, next(seq), "spam", SPAM_TOPIC, "en", account))

    for _ in range(rng.choice((1, 1, 2))):
        user = scenario.micro_users[0] if rng.random() < 0.8 else scenario.micro_users[1]
        plans.append(Planned(local_second(rng, user.offset), next(seq), "micro", MICRO_TOPIC, "en", user))

    if last_day:
        n_emerging = min(conversations // 8, max(60, round(conversations * 0.03)))
        for i in range(n_emerging):
            lang = population.language(EMERGING_TOPIC)
            # Mostly distinct accounts, so the new topic clears the user threshold on its first day.
            user = population.new_user(lang) if i < 0.85 * n_emerging else population.user(lang)
            plans.append(
                Planned(local_second(rng, user.offset), next(seq), "emerging", EMERGING_TOPIC, lang, user)
            )

    del plans[conversations:]  # tiny days: the planted cases never exceed the day's total
    for _ in range(conversations - len(plans)):
        if rng.random() < FAVOURITE_SHARE:
            user, topic_id = population.regular()
            lang = user.lang
        else:
            topic_id = population.topic()
            lang = population.language(topic_id)
            user = population.user(lang)
        plans.append(Planned(local_second(rng, user.offset), next(seq), "regular", topic_id, lang, user))
    plans.sort(key=lambda p: (p.second, p.seq))
    return plans
