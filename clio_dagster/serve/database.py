"""The instance database of `clio serve`: PostgreSQL when CLIO_PG_URL is set, SQLite under the home.

Tables carry a ``clio_`` prefix so they can share the Dagster instance's PostgreSQL database.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "clio_users",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("password_hash", sa.String(256)),  # null: signs in through OIDC only
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# One row per signed-in session; the cookie carries the token, the table only its SHA-256, so a
# copied cookie dies with the session it belongs to (logout, expiry, account removal).
sessions = sa.Table(
    "clio_sessions",
    metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column(
        "user_name", sa.String(128), sa.ForeignKey("clio_users.name", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

access_log = sa.Table(
    "clio_access_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),  # ISO-8601 UTC text: hashed as stored
    sa.Column("user_name", sa.String(128)),
    sa.Column("role", sa.String(32)),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("route", sa.String(300), nullable=False),
    sa.Column("day", sa.String(10)),
    sa.Column("address", sa.String(64)),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("detail", sa.String(300), nullable=False),
    # unique: two writers that read the same tip cannot both extend it, so the chain never forks
    sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("hash", sa.String(64), nullable=False),
)

# Where the chain starts after retention removed its oldest rows: rows up to through_id are gone
# and the first remaining row must link to last_hash.
access_log_anchor = sa.Table(
    "clio_access_log_anchor",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("through_id", sa.Integer, nullable=False),
    sa.Column("last_hash", sa.String(64), nullable=False),
)

_SQLITE_GUARDS = [
    """CREATE TRIGGER IF NOT EXISTS clio_access_log_no_update BEFORE UPDATE ON clio_access_log
       BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS clio_access_log_retention_only BEFORE DELETE ON clio_access_log
       WHEN OLD.id > (SELECT COALESCE(MAX(through_id), 0) FROM clio_access_log_anchor)
       BEGIN SELECT RAISE(ABORT, 'the access log is append-only: only rows past retention go'); END""",
]

_POSTGRES_GUARDS = [
    """CREATE OR REPLACE FUNCTION clio_access_log_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'the access log is append-only'; END IF;
         IF OLD.id > (SELECT COALESCE(MAX(through_id), 0) FROM clio_access_log_anchor) THEN
           RAISE EXCEPTION 'the access log is append-only: only rows past retention go';
         END IF;
         RETURN OLD;
       END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER clio_access_log_guard BEFORE UPDATE OR DELETE ON clio_access_log
       FOR EACH ROW EXECUTE FUNCTION clio_access_log_guard()""",
]


def database_url(home: Path, pg_url: str | None) -> str:
    """The instance database: CLIO_PG_URL, else an owner-only SQLite file under the home."""
    if pg_url:
        url = sa.make_url(pg_url)
        # psycopg2 is what dagster-postgres installs; SQLAlchemy 2.1 would otherwise look for psycopg 3
        if url.drivername in ("postgres", "postgresql"):
            url = url.set(drivername="postgresql+psycopg2")
        return url.render_as_string(hide_password=False)
    folder = home / "serve"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite:///{(folder / 'serve.sqlite').resolve()}"


def connect(url: str) -> sa.Engine:
    """An engine with every table and the access log's append-only guards in place."""
    engine = sa.create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    guards = _POSTGRES_GUARDS if engine.dialect.name == "postgresql" else _SQLITE_GUARDS
    with engine.begin() as connection:
        for statement in guards:
            connection.exec_driver_sql(statement)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL: one fsync per logged request instead of several, and readers never block the writer
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
