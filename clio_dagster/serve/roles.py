"""Roles and the route table: every route declares who may use it, and undeclared means nobody.

Roles are ordered: each one may do what the roles before it may.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    viewer = "viewer"  # the public outputs
    trust_safety = "trust_safety"  # + the restricted trust-and-safety views, never raw conversations
    admin = "admin"  # + users and the access log

    @property
    def rank(self) -> int:
        return list(Role).index(self)


@dataclass(frozen=True)
class Access:
    """Who may use a route: anyone (no sign-in), or signed-in users of at least ``minimum``."""

    minimum: Role | None
    audited: bool = False  # successful uses are appended to the access log, not only refusals

    def admits(self, role: Role | None) -> bool:
        if self.minimum is None:
            return True
        return role is not None and role.rank >= self.minimum.rank


ANYONE = Access(None)
VIEWERS = Access(Role.viewer)
TRUST_SAFETY = Access(Role.trust_safety, audited=True)
ADMINS = Access(Role.admin, audited=True)


def allow(access: Access) -> Callable:
    """Declare a view's access; the app refuses any view without a declaration."""

    def declare(view: Callable) -> Callable:
        view.access = access
        return view

    return declare


def access_of(view: Callable | None) -> Access | None:
    return getattr(view, "access", None)
