"""Write a synthetic multi-day corpus (conversations, ground truth, malformed lines) to a folder."""

from __future__ import annotations

import collections
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import TextIO

from clio_dagster.sample.kits import KITS
from clio_dagster.sample.malformed import MalformedWriter
from clio_dagster.sample.plan import Planned, Population, make_scenario, plan_day
from clio_dagster.sample.render import PersonalDetails, render
from clio_dagster.sample.topics import TOPICS

CONVERSATIONS_FILE = "conversations.jsonl"
TRUTH_FILE = "truth.jsonl"
MALFORMED_FILE = "malformed.jsonl"
# json.dumps builds a new encoder on every call when given options; one shared encoder saves ~25%.
_to_json = json.JSONEncoder(ensure_ascii=False).encode
WRITE_CHUNK = 10_000  # lines buffered between writes: few syscalls, flat memory at a million records


@dataclass(frozen=True)
class SampleFiles:
    """Where the sample was written and what it contains."""

    conversations: Path
    truth: Path
    malformed: Path | None
    dates: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)


def _zones() -> dict[int, timezone]:
    offsets = {o for kit in KITS.values() for o in kit.utc_offsets}
    return {o: timezone(timedelta(minutes=o)) for o in offsets}


def _created_at(day_start: datetime, plan: Planned, zones: dict[int, timezone], rng: random.Random) -> str:
    moment = (day_start + timedelta(seconds=plan.second)).astimezone(zones[plan.user.offset])
    text = moment.isoformat(timespec="seconds")
    # Exporters disagree on how to write UTC; accept both spellings in the sample.
    return text[:-6] + "Z" if plan.user.offset == 0 and rng.random() < 0.5 else text


def generate_sample(
    out_dir: Path,
    *,
    days: int = 3,
    conversations: int = 2000,
    seed: int = 0,
    start: date = date(2026, 11, 1),
    malformed: int = 0,
) -> SampleFiles:
    """Write ``days`` days of ``conversations`` conversations each; the same seed gives the same bytes.

    The last day carries an emerging topic; every day carries the spam network, the classifier
    disagreement groups and a micro-topic. ``malformed`` extra bad lines are mixed in and listed
    in ``malformed.jsonl``.
    """
    if days < 1 or conversations < 1 or malformed < 0:
        raise ValueError("days and conversations must be >= 1 and malformed >= 0")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan_rng = random.Random(f"plan-{seed}")
    text_rng = random.Random(f"text-{seed}")
    id_rng = random.Random(f"ids-{seed}")
    population = Population(random.Random(f"users-{seed}"), pool_size=max(50, int(conversations * 0.35)))
    scenario = make_scenario(population, conversations)
    details = PersonalDetails(seed, random.Random(f"details-{seed}"))
    zones = _zones()
    total = days * conversations
    bad = MalformedWriter(random.Random(f"bad-{seed}"), total=total, count=malformed)

    ids: set[str] = set()
    tally = _Tally()
    dates: list[str] = []
    conv_path, truth_path = out_dir / CONVERSATIONS_FILE, out_dir / TRUTH_FILE
    with (
        conv_path.open("w", encoding="utf-8") as conv_out,
        truth_path.open("w", encoding="utf-8") as truth_out,
    ):
        conv_lines: list[str] = []
        truth_lines: list[str] = []
        for d in range(days):
            day = start + timedelta(days=d)
            dates.append(day.isoformat())
            day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            for plan in plan_day(plan_rng, population, scenario, conversations, last_day=d == days - 1):
                topic = TOPICS[plan.topic]
                out = render(text_rng, topic, plan.lang, details, templated=plan.kind == "spam")
                while (cid := f"c_{id_rng.getrandbits(80):020x}") in ids:
                    continue
                ids.add(cid)
                record = {
                    "conversation_id": cid,
                    "user_id": plan.user.id,
                    "created_at": _created_at(day_start, plan, zones, text_rng),
                    "messages": out.messages,
                    "moderation": out.moderation,
                    "metadata": {"platform": plan.user.platform, "tier": plan.user.tier},
                }
                truth = {
                    "conversation_id": cid,
                    "date": dates[-1],
                    "topic": plan.topic,
                    "language": plan.lang,
                    "planted": out.planted,
                    "injection": out.injection,
                    "spam_network": plan.kind == "spam",
                    "group": topic.group,
                    "emerging": plan.kind == "emerging",
                    "micro_topic": plan.kind == "micro",
                }
                conv_lines.append(_to_json(record) + "\n")
                conv_lines.extend(line + "\n" for line in bad.after(record))
                truth_lines.append(_to_json(truth) + "\n")
                tally.add(plan, truth)
                if len(conv_lines) >= WRITE_CHUNK:
                    _flush(conv_out, conv_lines)
                    _flush(truth_out, truth_lines)
        _flush(conv_out, conv_lines)
        _flush(truth_out, truth_lines)

    malformed_path = None
    if malformed:
        malformed_path = out_dir / MALFORMED_FILE
        bad.write_report(malformed_path)
    counts = tally.counts(spam_accounts=len(scenario.spam_accounts))
    counts.update(conversations=total, malformed=malformed, lines=total + malformed)
    return SampleFiles(conv_path, truth_path, malformed_path, tuple(dates), counts)


def _flush(out: TextIO, lines: list[str]) -> None:
    out.write("".join(lines))
    lines.clear()


class _Tally:
    """Summary counts of what was written, for the caller and the CLI to print."""

    def __init__(self) -> None:
        self._counts: collections.Counter[str] = collections.Counter()
        self._users: set[str] = set()
        self._emerging_users: set[str] = set()
        self._topics: set[str] = set()
        self._languages: set[str] = set()

    def add(self, plan: Planned, truth: dict) -> None:
        self._users.add(plan.user.id)
        self._topics.add(plan.topic)
        self._languages.add(plan.lang)
        c = self._counts
        c["planted_conversations"] += bool(truth["planted"]) and not truth["micro_topic"]
        c["injections"] += truth["injection"]
        c["spam_conversations"] += truth["spam_network"]
        c["micro_conversations"] += truth["micro_topic"]
        c["emerging_conversations"] += truth["emerging"]
        c["false_positive_conversations"] += truth["group"] == "false_positive"
        c["false_negative_conversations"] += truth["group"] == "false_negative"
        if truth["emerging"]:
            self._emerging_users.add(plan.user.id)

    def counts(self, **extra: int) -> dict[str, int]:
        return {
            **{key: int(value) for key, value in sorted(self._counts.items())},
            "users": len(self._users),
            "emerging_users": len(self._emerging_users),
            "topics": len(self._topics),
            "languages": len(self._languages),
            **extra,
        }


def write_labels(truth_path: Path, labels_path: Path) -> int:
    """Write ``labels.jsonl`` (conversation_id, topic) from a truth file; returns the number of labels."""
    n = 0
    with Path(truth_path).open(encoding="utf-8") as src, Path(labels_path).open("w", encoding="utf-8") as dst:
        for line in src:
            if line.strip():
                row = json.loads(line)
                dst.write(
                    json.dumps({"conversation_id": row["conversation_id"], "topic": row["topic"]}) + "\n"
                )
                n += 1
    return n
