"""Containers for the hand-written conversation text of one language."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TopicText:
    """Requests, follow-ups and replies for one topic in one language.

    Templates use ``{slot}`` placeholders filled from ``slots``; every template of a topic may use
    any of that topic's slots, so fillers are drawn once per conversation.
    """

    ask: tuple[str, ...]
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    follow: tuple[str, ...] = ()
    reply: tuple[str, ...] = ()
    private: tuple[str, ...] = ()  # slots whose fillers are personal details (recorded as planted)


@dataclass(frozen=True)
class LanguageKit:
    """Topic-independent phrasing of one language: greetings, sign-offs, personal details, tricks."""

    code: str  # ISO 639-1
    faker_locale: str
    utc_offsets: tuple[int, ...]  # minutes east of UTC, where this language's users live
    openers: tuple[str, ...]
    contexts: tuple[str, ...]  # topic-neutral remarks that lengthen a request
    closers: tuple[str, ...]
    systems: tuple[str, ...]
    follow: tuple[str, ...]  # generic follow-up requests
    follow_reply: tuple[str, ...]  # assistant answers to ``follow``, pairwise
    answer: tuple[str, ...]  # neutral assistant answers to topic-specific follow-ups
    pii_name: tuple[str, ...]  # sentences with {name}
    pii_email: tuple[str, ...]  # with {email}
    pii_phone: tuple[str, ...]  # with {phone}
    pii_address: tuple[str, ...]  # with {address}
    injection: tuple[str, ...]  # prompt injections with {email} and {name}
