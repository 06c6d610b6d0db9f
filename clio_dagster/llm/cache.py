"""A persistent response cache (SQLite) keyed by a content hash of everything that shapes an answer."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


def cache_key(**parts: Any) -> str:
    """sha256 over the canonical JSON of the parts (model, messages, schema, parameters, prompt version)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """Validated answers by key, in ``<dir>/llm_responses.sqlite``; safe across threads and processes."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "llm_responses.sqlite"
        self._lock = threading.Lock()
        # WAL lets the multiprocess executor's steps read while one writes; the timeout rides out locks.
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, prompt TEXT, model TEXT,"
            " answer TEXT NOT NULL, input_tokens INTEGER, output_tokens INTEGER)"
        )

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored answer (a JSON object) or None."""
        with self._lock:
            row = self._db.execute("SELECT answer FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(
        self, key: str, answer: dict[str, Any], *, prompt: str, model: str, tokens: tuple[int, int]
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)",
                (key, prompt, model, json.dumps(answer, ensure_ascii=False), *tokens),
            )

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
