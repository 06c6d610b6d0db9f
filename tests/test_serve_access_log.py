"""The access log's hash chain, append-only guards and retention, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from clio_dagster.serve.access_log import GENESIS_HASH, AccessLog, row_hash
from clio_dagster.serve.database import access_log, connect, database_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path: Path) -> Iterator[sa.Engine]:
    """A fresh database of each kind; the PostgreSQL one is created and dropped around the test."""
    if request.param == "sqlite":
        engine = connect(database_url(tmp_path, None))
        yield engine
        engine.dispose()
        return
    server_url = request.getfixturevalue("pg_url")
    name = f"clio_serve_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url(tmp_path, server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.exec_driver_sql(f"CREATE DATABASE {name}")
    engine = connect(
        database_url(tmp_path, sa.make_url(server_url).set(database=name).render_as_string(False))
    )
    yield engine
    engine.dispose()
    with admin.connect() as db:
        db.exec_driver_sql(f"DROP DATABASE {name}")
    admin.dispose()


def _append(log: AccessLog, n: int, *, at: datetime | None = None) -> list[int]:
    return [
        log.append(
            event="read",
            method="GET",
            route=f"/api/restricted/2026-11-01/coordinated?{i}",
            status=200,
            user_name="tina",
            role="trust_safety",
            day="2026-11-01",
            address="10.0.0.7",
            at=at,
        )
        for i in range(n)
    ]


def _raw(engine: sa.Engine, statement: str) -> None:
    with engine.begin() as db:
        db.exec_driver_sql(statement)


def test_rows_link_into_one_chain_from_genesis(engine):
    log = AccessLog(engine)
    ids = _append(log, 4)
    rows = sorted(log.entries(), key=lambda r: r["id"])
    assert [r["id"] for r in rows] == ids
    assert rows[0]["prev_hash"] == GENESIS_HASH
    for before, after in itertools.pairwise(rows):
        assert after["prev_hash"] == before["hash"]
    assert rows[2]["hash"] == row_hash(rows[2]["prev_hash"], rows[2])
    check = log.verify()
    assert check.ok and check.rows == 4


def test_updates_and_deletes_are_refused_by_the_database(engine):
    log = AccessLog(engine)
    _append(log, 3)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        _raw(engine, "UPDATE clio_access_log SET user_name = 'someone else' WHERE id = 2")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        _raw(engine, "DELETE FROM clio_access_log WHERE id = 2")
    assert log.verify().ok


def _drop_guards(engine: sa.Engine) -> None:
    """What someone with the database owner's rights could do before tampering."""
    if engine.dialect.name == "postgresql":
        _raw(engine, "DROP TRIGGER clio_access_log_guard ON clio_access_log")
    else:
        _raw(engine, "DROP TRIGGER clio_access_log_no_update")
        _raw(engine, "DROP TRIGGER clio_access_log_retention_only")


def test_an_edited_row_breaks_the_chain_at_that_row(engine):
    log = AccessLog(engine)
    _append(log, 5)
    _drop_guards(engine)
    _raw(engine, "UPDATE clio_access_log SET user_name = 'nobody' WHERE id = 3")
    check = log.verify()
    assert not check.ok
    assert (check.first_bad_id, check.rows) == (3, 2)
    assert "hash" in check.reason


def test_a_deleted_row_breaks_the_chain_after_the_gap(engine):
    log = AccessLog(engine)
    _append(log, 5)
    _drop_guards(engine)
    _raw(engine, "DELETE FROM clio_access_log WHERE id = 2")
    check = log.verify()
    assert not check.ok and check.first_bad_id == 3
    assert "link" in check.reason


def test_a_rewritten_tail_with_recomputed_hashes_still_breaks_at_the_anchor(engine):
    """Deleting the oldest rows without going through retention leaves the first row unanchored."""
    log = AccessLog(engine)
    _append(log, 3)
    _drop_guards(engine)
    _raw(engine, "DELETE FROM clio_access_log WHERE id = 1")
    check = log.verify()
    assert not check.ok and check.first_bad_id == 2


def test_retention_removes_old_rows_keeps_the_chain_verifiable_and_records_itself(engine):
    log = AccessLog(engine)
    now = datetime.now(UTC)
    _append(log, 3, at=now - timedelta(days=400))
    kept = _append(log, 2, at=now - timedelta(days=2))
    assert log.prune(365, now=now) == 3
    remaining = sorted(log.entries(), key=lambda r: r["id"])
    assert [r["id"] for r in remaining][:2] == kept
    assert remaining[-1]["event"] == "retention" and "removed 3 rows" in remaining[-1]["detail"]
    assert log.verify().ok
    # nothing left past retention: a second pruning removes nothing and logs nothing
    assert log.prune(365, now=now) == 0
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        _raw(engine, f"DELETE FROM clio_access_log WHERE id = {kept[0]}")


def test_concurrent_writers_never_fork_the_chain(engine):
    """Two AccessLog objects (as two server processes would be) appending from four threads."""
    logs = [AccessLog(engine), AccessLog(engine)]
    threads = [threading.Thread(target=_append, args=(logs[i % 2], 15)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check = logs[0].verify()
    assert check.ok and check.rows == 60
    with engine.connect() as db:
        distinct = db.execute(sa.select(sa.func.count(sa.distinct(access_log.c.prev_hash)))).scalar()
    assert distinct == 60


def test_long_fields_are_cut_to_their_columns_and_still_verify(engine):
    log = AccessLog(engine)
    log.append(event="refused", method="GET", route="/api/public/" + "x" * 5000, status=400, detail="d" * 900)
    (row,) = log.entries()
    assert len(row["route"]) == 300 and len(row["detail"]) == 300
    assert log.verify().ok
