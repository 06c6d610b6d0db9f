"""The access log: append-only, hash-chained, pruned by a retention policy.

Each row's hash is SHA-256 over the previous row's hash and the row's own fields, so editing,
inserting or deleting a row anywhere breaks :meth:`AccessLog.verify` from that row on. Retention
removes the oldest rows only after recording, in the anchor table, the hash the first kept row
links to (the database's triggers refuse any other update or delete).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from clio_dagster.serve.database import access_log, access_log_anchor

GENESIS_HASH = "0" * 64
_HASHED_FIELDS = ("at", "user_name", "role", "event", "method", "route", "day", "address", "status", "detail")
_LIMITS = {c.name: c.type.length for c in access_log.columns if getattr(c.type, "length", None)}


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    rows: int
    first_bad_id: int | None = None
    reason: str = ""


def row_hash(prev_hash: str, fields: dict) -> str:
    payload = json.dumps([fields[name] for name in _HASHED_FIELDS], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


class AccessLog:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()  # one writer per process; the unique prev_hash guards the rest

    def append(
        self,
        *,
        event: str,
        method: str,
        route: str,
        status: int,
        user_name: str | None = None,
        role: str | None = None,
        day: str | None = None,
        address: str | None = None,
        detail: str = "",
        at: datetime | None = None,
    ) -> int:
        """Append one row and return its id."""
        fields = {
            "at": (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds"),
            "user_name": user_name,
            "role": role,
            "event": event,
            "method": method,
            "route": route,
            "day": day,
            "address": address,
            "status": int(status),
            "detail": detail,
        }
        for name, limit in _LIMITS.items():
            if isinstance(fields.get(name), str):
                fields[name] = fields[name][:limit]
        with self._lock:
            for _attempt in range(20):
                try:
                    with self.engine.begin() as db:
                        prev_hash = self._tip(db)
                        inserted = db.execute(
                            access_log.insert().values(
                                **fields, prev_hash=prev_hash, hash=row_hash(prev_hash, fields)
                            )
                        )
                        return inserted.inserted_primary_key[0]
                except sa.exc.IntegrityError:
                    continue  # another process extended the chain first: link to its row instead
        raise RuntimeError("could not append to the access log: the chain tip kept moving")

    def entries(self, *, limit: int = 500, before_id: int | None = None) -> list[dict]:
        """The newest ``limit`` rows (older than ``before_id`` when given: the next page), newest first."""
        query = sa.select(access_log).order_by(access_log.c.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(access_log.c.id < before_id)
        with self.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(query)]

    def verify(self) -> ChainCheck:
        """Walk the chain from the retention anchor; report the first row that does not fit."""
        with self.engine.connect() as db:
            anchor = db.execute(sa.select(access_log_anchor).where(access_log_anchor.c.id == 1)).first()
            expected = anchor.last_hash if anchor else GENESIS_HASH
            previous_id = anchor.through_id if anchor else 0
            count = 0
            for row in db.execute(sa.select(access_log).order_by(access_log.c.id)):
                fields = dict(row._mapping)
                if row.id <= previous_id:
                    return ChainCheck(False, count, row.id, "row kept past its retention anchor")
                if row.prev_hash != expected:
                    return ChainCheck(False, count, row.id, "does not link to the row before it")
                if row_hash(row.prev_hash, fields) != row.hash:
                    return ChainCheck(False, count, row.id, "its fields do not match its hash")
                expected, previous_id = row.hash, row.id
                count += 1
        return ChainCheck(True, count)

    def prune(self, retention_days: int, *, now: datetime | None = None) -> int:
        """Delete rows older than the retention period, keep the chain verifiable, log the pruning."""
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=retention_days)).isoformat(
            timespec="microseconds"
        )
        with self._lock, self.engine.begin() as db:
            last = db.execute(
                sa.select(access_log.c.id, access_log.c.hash)
                .where(access_log.c.at < cutoff)
                .order_by(access_log.c.id.desc())
                .limit(1)
            ).first()
            if last is None:
                return 0
            if db.execute(sa.select(access_log_anchor.c.id)).first():
                db.execute(access_log_anchor.update().values(through_id=last.id, last_hash=last.hash))
            else:
                db.execute(access_log_anchor.insert().values(id=1, through_id=last.id, last_hash=last.hash))
            removed = db.execute(access_log.delete().where(access_log.c.id <= last.id)).rowcount
        self.append(
            event="retention",
            method="-",
            route="-",
            status=0,
            detail=f"removed {removed} rows older than {retention_days} days, through id {last.id}",
        )
        return removed

    def _tip(self, db: sa.Connection) -> str:
        last = db.execute(sa.select(access_log.c.hash).order_by(access_log.c.id.desc()).limit(1)).first()
        if last is not None:
            return last.hash
        anchor = db.execute(sa.select(access_log_anchor.c.last_hash)).first()
        return anchor.last_hash if anchor else GENESIS_HASH
