"""Helpers for the operations tests: a throw-away PostgreSQL database, a small corpus, event reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from dagster import DagsterEventType, DagsterInstance


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create a database with a random name on the server of ``server_url``; drop it afterwards."""
    import psycopg2

    parts = urlsplit(server_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    name = f"clio_ops_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(admin_url, connect_timeout=5)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def check_evaluations(instance: DagsterInstance, run_id: str) -> dict[str, bool]:
    """Asset-check name → passed, as recorded in the run's event log."""
    records = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    return {
        r.dagster_event.event_specific_data.check_name: r.dagster_event.event_specific_data.passed
        for r in records
    }
