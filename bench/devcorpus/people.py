"""Who writes each conversation and when: users, languages, days and hours.

Most users write once a day, some several times; a user keeps one language, and some return on
later days. Times follow a local hour-of-day pattern in a time zone typical of the language; the
spam network keeps its own early-morning hours (UTC).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from .conversations import Planned, hash_id

# Local hour-of-day weights (0..23): quiet at night, a morning rise, busiest mid-afternoon.
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 4, 7, 10, 12, 13, 13, 12, 13, 14, 14, 13, 12, 11, 10, 9, 7, 5, 3]
UTC_OFFSETS = {"en": -5, "zh": 8, "ja": 9, "ko": 9, "hi": 5.5, "ru": 3, "pt": -3, "es": 1, "vi": 7, "th": 7}
EUROPEAN = {"de", "fr", "it", "nl", "pl", "cs", "sk", "sl", "hr",
            "sr", "hu", "da", "nb", "sv", "ca", "eu", "gl"}  # fmt: skip
SPAM_HOURS_UTC = (2, 3, 4)


def offset_hours(language: str) -> float:
    if language in UTC_OFFSETS:
        return UTC_OFFSETS[language]
    return 1 if language in EUROPEAN else 2


def assign_users(planned: list[Planned], seed: int, split: str, days: int, rng: random.Random) -> None:
    """Most users write once a day, some several times; a user keeps one language, and some
    return on later days. Crowd members are distinct users, one question each."""
    returning: dict[str, list[str]] = defaultdict(list)
    counter = 0

    def new_user(language: str) -> str:
        nonlocal counter
        counter += 1
        return hash_id("user", seed, split, counter)

    for day in range(days):
        today = [p for p in planned if p.day == day and p.user_id is None]
        by_language: dict[str, list[Planned]] = defaultdict(list)
        for plan in today:
            if plan.planted and plan.planted.startswith("crowd_"):
                plan.user_id = new_user("en")
                returning[plan.item.language].append(plan.user_id)
            else:
                by_language[plan.item.language].append(plan)
        for language, plans in sorted(by_language.items()):
            rng.shuffle(plans)
            earlier = returning[language]
            seen_today: set[str] = set()
            index = 0
            while index < len(plans):
                candidates = [u for u in earlier if u not in seen_today]
                user = rng.choice(candidates) if candidates and rng.random() < 0.3 else new_user(language)
                seen_today.add(user)
                count = rng.choices((1, 2, 3, 4, 5), weights=(75, 14, 6, 3, 2))[0]
                for plan in plans[index : index + count]:
                    plan.user_id = user
                index += count
            earlier.extend(sorted(seen_today - set(earlier)))


def timestamp(plan: Planned, day_start: datetime, rng: random.Random) -> str:
    offset = offset_hours(plan.item.language)
    if plan.planted == "spam_network":
        utc_hour = rng.choice(SPAM_HOURS_UTC)
    else:
        local_hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        utc_hour = int(local_hour - offset) % 24
    moment = day_start + timedelta(hours=utc_hour, seconds=rng.randrange(3600))
    zone = timezone(timedelta(hours=offset))
    return moment.astimezone(zone).isoformat(timespec="seconds")
