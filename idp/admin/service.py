"""Administrative operations on accounts. Every one is audited with actor, target and reason.

The console, the CLI (``idp admin``, ``idp user ...``) and the JSON admin API all call these,
so no operation is reachable by one interface only. The caller commits.

``actor`` names who acted: ``"cli"`` from the command line, else the admin's username.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from idp.audit.service import ClientInfo, record
from idp.auth import sessions
from idp.errors import IdpError
from idp.models import Realm, User
from idp.realms.store import get_realm
from idp.users.service import find_user

__all__ = [
    "AdminError",
    "disable",
    "enable",
    "find_target",
    "grant_admin",
    "revoke_admin",
    "revoke_sessions",
]

MAX_REASON = 200


class AdminError(IdpError):
    """A refused admin operation; ``code`` is stable (unknown_realm, unknown_user...)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def find_target(realm_slug: str, username: str) -> tuple[Realm, User]:
    realm = get_realm(realm_slug)
    if realm is None:
        raise AdminError("unknown_realm", f"unknown realm {realm_slug!r} (see `idp realm list`)")
    user = find_user(realm, username)
    if user is None:
        raise AdminError("unknown_user", f"no user {username!r} in realm {realm_slug!r}")
    return realm, user


def _audit(
    event: str,
    user: User,
    *,
    actor: str,
    reason: str,
    now: datetime,
    client: ClientInfo | None,
    details: dict[str, Any] | None = None,
) -> None:
    record(
        event,
        "success",
        now=now,
        realm=user.realm.slug,
        actor=actor,
        user_id=user.id,
        client=client,
        details={"target": user.username, "reason": reason[:MAX_REASON], **(details or {})},
    )


def grant_admin(
    user: User, *, actor: str, reason: str, now: datetime, client: ClientInfo | None = None
) -> bool:
    """Make ``user`` a realm admin; False when already one. Their sessions are ended so the new
    rights start with a fresh sign-in (and its second factor)."""
    if user.is_admin:
        return False
    user.is_admin = True
    sessions.end_all_for_user(user, reason="privilege_change", now=now, actor=actor)
    _audit("admin_granted", user, actor=actor, reason=reason, now=now, client=client)
    return True


def revoke_admin(
    user: User, *, actor: str, reason: str, now: datetime, client: ClientInfo | None = None
) -> bool:
    if not user.is_admin:
        return False
    user.is_admin = False
    sessions.end_all_for_user(user, reason="privilege_change", now=now, actor=actor)
    _audit("admin_revoked", user, actor=actor, reason=reason, now=now, client=client)
    return True


def revoke_sessions(
    user: User, *, actor: str, reason: str, now: datetime, client: ClientInfo | None = None
) -> int:
    """End every browser session of ``user``; how many were live."""
    count = sessions.end_all_for_user(user, reason="admin", now=now, actor=actor, client=client)
    _audit(
        "admin_sessions_revoked",
        user,
        actor=actor,
        reason=reason,
        now=now,
        client=client,
        details={"count": count},
    )
    return count


def disable(
    user: User, *, actor: str, reason: str, now: datetime, client: ClientInfo | None = None
) -> bool:
    """No sign-in, no recovery, every session ended; False when already disabled."""
    if user.disabled_at is not None:
        return False
    user.disabled_at = now
    sessions.end_all_for_user(user, reason="disabled", now=now, actor=actor, client=client)
    _audit("admin_user_disabled", user, actor=actor, reason=reason, now=now, client=client)
    return True


def enable(
    user: User, *, actor: str, reason: str, now: datetime, client: ClientInfo | None = None
) -> bool:
    if user.disabled_at is None:
        return False
    user.disabled_at = None
    _audit("admin_user_enabled", user, actor=actor, reason=reason, now=now, client=client)
    return True
