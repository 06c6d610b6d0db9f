"""Bad input lines of the kinds ingestion must quarantine, mixed into the sample at random places."""

from __future__ import annotations

import collections
import copy
import json
import random
from pathlib import Path

REASONS = ("invalid_json", "missing_user_id", "bad_timestamp", "empty_messages", "duplicate_conversation_id")
BAD_TIMESTAMPS = ("2026-13-45T10:00:00Z", "yesterday at noon", "2026-11-02T10:15:00", "1730000000", "")


class MalformedWriter:
    """Decides where bad lines go and writes each one next to the good record it was derived from.

    Call :meth:`after` once per good record, in file order; it returns the bad lines to write
    right after that record and remembers their 1-based line numbers and reasons.
    """

    def __init__(self, rng: random.Random, *, total: int, count: int) -> None:
        self._rng = rng
        reasons = [REASONS[i % len(REASONS)] for i in range(count)]
        rng.shuffle(reasons)
        positions = sorted(rng.choices(range(total), k=count)) if count else []
        self._due: dict[int, list[str]] = collections.defaultdict(list)
        for position, reason in zip(positions, reasons, strict=True):
            self._due[position].append(reason)
        self._good = 0
        self._line = 0
        self.report: list[dict] = []

    def after(self, record: dict) -> list[str]:
        self._line += 1
        good_line = self._line
        reasons = self._due.pop(self._good, [])
        self._good += 1
        lines = []
        for reason in reasons:
            self._line += 1
            lines.append(self._bad_line(record, reason))
            entry = {"line": self._line, "reason": reason, "conversation_id": None}
            if reason == "duplicate_conversation_id":
                entry.update(conversation_id=record["conversation_id"], duplicate_of_line=good_line)
            self.report.append(entry)
        return lines

    def _bad_line(self, record: dict, reason: str) -> str:
        rng = self._rng
        bad = copy.deepcopy(record)
        if reason != "duplicate_conversation_id":
            bad["conversation_id"] = f"c_bad{rng.getrandbits(64):016x}"
        if reason == "invalid_json":
            text = json.dumps(bad, ensure_ascii=False)
            return text[: rng.randrange(10, len(text) - 2)]  # a line cut off mid-record
        if reason == "missing_user_id":
            del bad["user_id"]
        elif reason == "bad_timestamp":
            bad["created_at"] = rng.choice(BAD_TIMESTAMPS)
        elif reason == "empty_messages":
            bad["messages"] = []
        return json.dumps(bad, ensure_ascii=False)

    def write_report(self, path: Path) -> None:
        with Path(path).open("w", encoding="utf-8") as out:
            for entry in self.report:
                out.write(json.dumps(entry) + "\n")
