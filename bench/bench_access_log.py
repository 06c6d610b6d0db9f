"""Cost of the `clio serve` access log: appends per second and chain verification per row.

    python bench/bench_access_log.py --rows 20000                      # SQLite in a temporary home
    python bench/bench_access_log.py --rows 1000 --pg postgresql://postgres@127.0.0.1:5432/postgres

With --pg a scratch database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from clio_dagster.serve.access_log import AccessLog
from clio_dagster.serve.database import connect, database_url


def measure(url: str, rows: int) -> str:
    engine = connect(url)
    log = AccessLog(engine)
    started = time.perf_counter()
    for _ in range(rows):
        log.append(
            event="read",
            method="GET",
            route="/api/restricted/2026-11-01/coordinated",
            status=200,
            user_name="tina",
            role="trust_safety",
            day="2026-11-01",
            address="10.0.0.1",
        )
    appending = time.perf_counter() - started
    started = time.perf_counter()
    check = log.verify()
    verifying = time.perf_counter() - started
    engine.dispose()
    return (
        f"{engine.dialect.name}: {rows} appends in {appending:.1f} s ({rows / appending:.0f}/s, "
        f"{appending / rows * 1000:.1f} ms each); verify {check.rows} rows in {verifying:.2f} s "
        f"({verifying / rows * 1e6:.0f} µs a row), intact={check.ok}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--pg", help="a PostgreSQL server URL (a scratch database is made on it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        if not args.pg:
            print(measure(database_url(Path(home), None), args.rows))
            return
        server = database_url(Path(home), args.pg)
        name = f"clio_bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as db:
            db.exec_driver_sql(f"CREATE DATABASE {name}")
        try:
            print(measure(sa.make_url(server).set(database=name).render_as_string(False), args.rows))
        finally:
            with admin.connect() as db:
                db.exec_driver_sql(f"DROP DATABASE {name}")


if __name__ == "__main__":
    main()
