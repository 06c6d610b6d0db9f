"""Source items → candidate conversations for one split.

The task-oriented corpora ship single user turns grouped by dialogue act, not whole dialogues, so
a MultiWOZ / CamRest / CrossWOZ conversation here is 1–3 real user turns of one domain (an opening
turn, then follow-up requests), sometimes ended by a real thank-you/goodbye turn. The grouping is
ours; every word is the users'.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field

from .sources import SourceItem, Utterance

WOZ_COARSE = "travel and local services"
# Share of task-oriented conversations that end with a closing turn: the raw utterances are
# mostly "thank you, goodbye", which would otherwise swamp every topic.
CLOSING_SHARE = 0.15


def hash_id(prefix: str, *parts: object) -> str:
    """A stable id from its parts (seed, split, index, ...): the same build gives the same ids."""
    return f"{prefix}-{hashlib.sha256(':'.join(map(str, parts)).encode()).hexdigest()[:16]}"


def split_of(item_id: str, holdout_share: float = 0.5) -> str:
    """dev or holdout, from a hash of the source item: stable across seeds and builds."""
    digest = hashlib.sha256(item_id.encode("utf-8")).digest()
    return "holdout" if int.from_bytes(digest[:8], "big") / 2**64 < holdout_share else "dev"


def compose_woz_conversations(
    utterances: list[Utterance], rng: random.Random, focused: frozenset[str] = frozenset()
) -> list[SourceItem]:
    """Group one split's task-oriented user turns into conversations of one source and domain.

    In a `focused` topic ("multiwoz/hospital") every turn names the domain: generic follow-ups
    ("Can I have the postcode?") are left out, so the conversations are about that topic alone
    (the planted emerging topic must be new, not one more request for an address).
    """
    by_group: dict[tuple[str, str], dict[str, list[Utterance]]] = defaultdict(lambda: defaultdict(list))
    closings: dict[str, list[Utterance]] = defaultdict(list)
    for utterance in utterances:
        if utterance.domain == "closing":
            if utterance.act != "general-greet":
                closings[utterance.source].append(utterance)
            continue
        by_group[(utterance.source, utterance.domain)][utterance.act].append(utterance)

    conversations = []
    for (source, domain), acts in sorted(by_group.items()):
        openers = sorted(acts.get("inform", []), key=lambda u: u.item_id)
        follow_ups = sorted(acts.get("request", []), key=lambda u: u.item_id)
        if f"{source}/{domain}" in focused:
            follow_ups = [u for u in follow_ups if domain in u.text.lower()]
        rng.shuffle(openers)
        rng.shuffle(follow_ups)
        while openers or follow_ups:
            turns = [openers.pop() if openers else follow_ups.pop()]
            for _ in range(rng.choice((0, 1, 1, 2))):
                if follow_ups:
                    turns.append(follow_ups.pop())
            if closings[turns[0].source] and rng.random() < CLOSING_SHARE:
                turns.append(closings[source].pop(rng.randrange(len(closings[source]))))
            conversations.append(_woz_item(source, domain, turns))
    return conversations


def _woz_item(source: str, domain: str, turns: list[Utterance]) -> SourceItem:
    return SourceItem(
        item_id="+".join(turn.item_id for turn in turns),
        source=source,
        language=turns[0].language,
        topic=f"{source}/{domain}",
        coarse_topic=WOZ_COARSE,
        turns=tuple(turn.text for turn in turns),
        extra={"source_item_ids": [turn.item_id for turn in turns]},
    )


@dataclass
class Planned:
    """A conversation before users and times are given to it."""

    item: SourceItem
    turns: tuple[str, ...]
    planted: str | None
    flag_kind: str
    day: int
    user_id: str | None = None
    source: str | None = None
    topic: str | None = None
    coarse_topic: str | None = None
    pii: list[str] = field(default_factory=list)
