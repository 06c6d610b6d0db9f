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
    """Validated answers by key, in ``<dir>/llm_responses.sqlite``; safe across threads and processes.

    Writes are buffered and committed ``batch_size`` at a time (and on ``flush``/``close``): one
    transaction per answer cost more client CPU than the answer's validation. A crash loses at most
    the buffered answers, which a re-run asks again.
    """

    def __init__(self, directory: Path, batch_size: int = 256):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "llm_responses.sqlite"
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[str, str, str, str, int, int]] = {}
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
            pending = self._pending.get(key)
            if pending is not None:
                return json.loads(pending[3])
            row = self._db.execute("SELECT answer FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(
        self, key: str, answer: dict[str, Any], *, prompt: str, model: str, tokens: tuple[int, int]
    ) -> None:
        row = (key, prompt, model, json.dumps(answer, ensure_ascii=False), *tokens)
        with self._lock:
            self._pending[key] = row
            if len(self._pending) >= self.batch_size:
                self._write_pending()

    def flush(self) -> None:
        """Commit the buffered answers."""
        with self._lock:
            self._write_pending()

    def _write_pending(self) -> None:
        if not self._pending:
            return
        self._db.execute("BEGIN")
        try:
            self._db.executemany(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)", self._pending.values()
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        self._pending.clear()

    def __len__(self) -> int:
        with self._lock:
            self._write_pending()
            return self._db.execute("SELECT count(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._write_pending()
            self._db.close()
