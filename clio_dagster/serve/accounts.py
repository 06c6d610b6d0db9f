"""Local accounts (argon2 password hashes, lockout after repeated failures) and server-side sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from clio_dagster.serve.database import sessions, users
from clio_dagster.serve.roles import Role

MIN_PASSWORD_CHARS = 8  # NIST SP 800-63B's floor for chosen passwords; lockout and argon2 do the rest
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A request about accounts that cannot be carried out, with the reason."""


class SignIn(Enum):
    ok = "ok"
    wrong = "wrong"  # unknown name or wrong password: the caller cannot tell which
    locked = "locked"


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    has_password: bool
    locked_until: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored one is UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, engine: sa.Engine, *, max_failed_logins: int = 5, lockout: timedelta) -> None:
        self.engine = engine
        self.max_failed_logins = max_failed_logins
        self.lockout = lockout

    def add(self, name: str, role: Role | str, password: str | None) -> Account:
        """Create an account; without a password it can only sign in through OIDC."""
        if not USERNAME_PATTERN.match(name):
            raise AccountError(f"user name {name!r}: use letters, digits and . _ @ + - (at most 128)")
        try:
            role = Role(role)
        except ValueError as error:
            raise AccountError(f"role {role!r}: must be one of {', '.join(Role)}") from error
        if password is not None and len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
        with self.engine.begin() as db:
            if db.execute(sa.select(users.c.name).where(users.c.name == name)).first():
                raise AccountError(f"user {name!r} exists")
            db.execute(
                users.insert().values(
                    name=name,
                    role=role.value,
                    password_hash=_hasher.hash(password) if password is not None else None,
                    failed_logins=0,
                    created_at=_now(),
                )
            )
        return Account(name, role, password is not None, None)

    def list(self) -> list[Account]:
        with self.engine.connect() as db:
            return [_account(row) for row in db.execute(sa.select(users).order_by(users.c.name))]

    def get(self, name: str) -> Account | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(users).where(users.c.name == name)).first()
        return _account(row) if row else None

    def set_role(self, name: str, role: Role | str) -> None:
        """Change a role; it applies from the account's next request, sessions included."""
        try:
            role = Role(role)
        except ValueError as error:
            raise AccountError(f"role {role!r}: must be one of {', '.join(Role)}") from error
        with self.engine.begin() as db:
            done = db.execute(users.update().where(users.c.name == name).values(role=role.value))
        if done.rowcount == 0:
            raise AccountError(f"no user {name!r}")

    def remove(self, name: str) -> None:
        """Delete an account and every session it has."""
        with self.engine.begin() as db:
            db.execute(sessions.delete().where(sessions.c.user_name == name))
            done = db.execute(users.delete().where(users.c.name == name))
        if done.rowcount == 0:
            raise AccountError(f"no user {name!r}")

    def purge_sessions(self, *, older_than: timedelta) -> int:
        """Forget sessions that ended (expired or signed out) more than ``older_than`` ago."""
        cutoff = _now() - older_than
        with self.engine.begin() as db:
            ended = sa.or_(sessions.c.expires_at < cutoff, sessions.c.revoked_at < cutoff)
            return db.execute(sessions.delete().where(ended)).rowcount

    def unlock(self, name: str) -> None:
        with self.engine.begin() as db:
            done = db.execute(
                users.update().where(users.c.name == name).values(failed_logins=0, locked_until=None)
            )
        if done.rowcount == 0:
            raise AccountError(f"no user {name!r}")

    def check_password(self, name: str, password: str) -> SignIn:
        """Verify a password, counting failures; a locked account is refused whatever the password."""
        with self.engine.begin() as db:
            row = db.execute(sa.select(users).where(users.c.name == name).with_for_update()).first()
            if row is None or row.password_hash is None:
                _verify(_DUMMY_HASH, password)
                return SignIn.wrong
            now = _now()
            locked_until = _aware(row.locked_until)
            if locked_until is not None and locked_until > now:
                return SignIn.locked
            if _verify(row.password_hash, password):
                changes = {"failed_logins": 0, "locked_until": None}
                if _hasher.check_needs_rehash(row.password_hash):
                    changes["password_hash"] = _hasher.hash(password)
                db.execute(users.update().where(users.c.name == name).values(**changes))
                return SignIn.ok
            failures = row.failed_logins + 1
            if failures >= self.max_failed_logins:
                db.execute(
                    users.update()
                    .where(users.c.name == name)
                    .values(failed_logins=0, locked_until=now + self.lockout)
                )
                return SignIn.locked
            db.execute(users.update().where(users.c.name == name).values(failed_logins=failures))
            return SignIn.wrong

    def open_session(self, name: str, lifetime: timedelta) -> str:
        """A new session token for the cookie; only its digest is stored."""
        token = secrets.token_urlsafe(32)
        now = _now()
        with self.engine.begin() as db:
            db.execute(
                sessions.insert().values(
                    token_sha256=_token_digest(token),
                    user_name=name,
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )
        return token

    def session_account(self, token: str) -> Account | None:
        """The account of a live session, or None when the token is unknown, revoked or expired."""
        query = (
            sa.select(users, sessions.c.expires_at, sessions.c.revoked_at)
            .join(sessions, sessions.c.user_name == users.c.name)
            .where(sessions.c.token_sha256 == _token_digest(token))
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        if row is None or row.revoked_at is not None or _aware(row.expires_at) <= _now():
            return None
        return _account(row)

    def close_session(self, token: str) -> None:
        with self.engine.begin() as db:
            db.execute(
                sessions.update()
                .where(sessions.c.token_sha256 == _token_digest(token), sessions.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            )


def _account(row) -> Account:
    return Account(row.name, Role(row.role), row.password_hash is not None, _aware(row.locked_until))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
