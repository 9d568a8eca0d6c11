"""Administrative operations on accounts. Every one is audited with actor, target and reason.

The console, the CLI (``idp admin``, ``idp user ...``) and the JSON admin API all call these,
so no operation is reachable by one interface only. The caller commits.

``actor`` names who acted: ``"cli"`` from the command line, else the admin's username.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from idp.admin import locks, reset_link
from idp.audit.service import ClientInfo, record
from idp.auth import sessions
from idp.errors import IdpError
from idp.extensions import db
from idp.mfa.service import remove_device as _remove_device
from idp.models import Device, Realm, User
from idp.policy.suggestions import suggest
from idp.realms.store import get_realm, preset_of
from idp.security.passwords import Hasher
from idp.users.service import find_user, set_password

__all__ = [
    "AdminError",
    "describe",
    "disable",
    "enable",
    "find_target",
    "force_password_change",
    "grant_admin",
    "remove_device",
    "revoke_admin",
    "revoke_sessions",
    "send_reset_link",
    "set_temporary_password",
    "unlock",
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


def unlock(
    user: User,
    *,
    kind: str,
    actor: str,
    reason: str,
    now: datetime,
    client: ClientInfo | None = None,
) -> int:
    """Lift the locks of ``kind`` (``captcha``, ``secret``, ``push_report``, or ``all``);
    how many were lifted. ``push_report`` is the « Non, ce n'est pas moi » block."""
    kinds = locks.LOCK_KINDS if kind == "all" else (kind,)
    if any(k not in locks.LOCK_KINDS for k in kinds):
        raise AdminError("unknown_lock", f"unknown lock kind {kind!r}")
    count = sum(locks.lift(user, k) for k in kinds)
    _audit(
        "admin_unlocked",
        user,
        actor=actor,
        reason=reason,
        now=now,
        client=client,
        details={"kind": kind, "count": count},
    )
    return count


def remove_device(
    user: User,
    device_id: str,
    *,
    actor: str,
    reason: str,
    now: datetime,
    client: ClientInfo | None = None,
) -> Device:
    """Revoke one of ``user``'s devices (a lost phone); it can no longer answer a push."""
    device = db.session.get(Device, device_id[:64])
    if device is None or device.user_id != user.id or device.revoked_at is not None:
        raise AdminError("unknown_device", f"no active device {device_id!r} for {user.username!r}")
    _remove_device(device, now=now, client=client or ClientInfo(), by=f"admin:{actor}")
    _audit(
        "admin_device_removed",
        user,
        actor=actor,
        reason=reason,
        now=now,
        client=client,
        details={"device_id": device.id, "device_name": device.name},
    )
    return device


def force_password_change(
    user: User, *, actor: str, reason: str, now: datetime, client: ClientInfo | None = None
) -> bool:
    """The user must change their password at the next sign-in; sessions end now."""
    already = user.must_change_password
    user.must_change_password = True
    sessions.end_all_for_user(user, reason="admin", now=now, actor=actor, client=client)
    _audit("admin_password_change_forced", user, actor=actor, reason=reason, now=now, client=client)
    return not already


def set_temporary_password(
    user: User,
    *,
    actor: str,
    reason: str,
    now: datetime,
    hasher: Hasher,
    client: ClientInfo | None = None,
) -> str:
    """Set a random password that passes the realm's policy, to be changed at the next
    sign-in; returns it (shown once to the admin, never stored nor logged in clear)."""
    policy = preset_of(user.realm).password_policy
    candidates = suggest(policy, 1, login=user.username)
    if not candidates:
        raise AdminError("no_password", "the realm's policy allows no generated password")
    temporary = candidates[0]
    set_password(user, temporary, hasher=hasher, now=now)
    user.must_change_password = True
    _audit("admin_temporary_password", user, actor=actor, reason=reason, now=now, client=client)
    return temporary


def describe(user: User, *, now: datetime) -> dict[str, Any]:
    """What an admin sees of an account (the CLI's ``user show`` and the API's user)."""
    preset = preset_of(user.realm)
    return {
        "id": user.id,
        "realm": user.realm.slug,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "activated": user.activated,
        "disabled": user.disabled_at is not None,
        "disabled_at": user.disabled_at.isoformat() if user.disabled_at else None,
        "must_change_password": user.must_change_password,
        "is_admin": user.is_admin,
        "password_changed_at": (
            user.password_changed_at.isoformat() if user.password_changed_at else None
        ),
        "locks": [
            {"kind": lock.kind, "until": lock.until.isoformat()}
            for lock in locks.active_locks(user, preset, now=now)
        ],
        "devices": [
            {
                "id": d.id,
                "name": d.name,
                "platform": d.platform,
                "enrolled_at": d.enrolled_at.isoformat(),
            }
            for d in db.session.scalars(
                select(Device)
                .where(Device.user_id == user.id, Device.revoked_at.is_(None))
                .order_by(Device.enrolled_at)
            )
        ],
        "sessions": [
            s.as_json() for s in sessions.list_for_user(user, settings=preset.sessions, now=now)
        ],
    }


def send_reset_link(
    user: User, *, actor: str, reason: str, now: datetime, client: ClientInfo | None = None
) -> bool:
    """Mail the account a reset link (realms whose recovery mails links); the admin never
    sees the link."""
    if not reset_link.mails_links(user):
        raise AdminError("no_reset_link", "this realm's recovery does not mail reset links")
    if not user.email:
        raise AdminError("no_email", f"{user.username!r} has no email address")
    flow_id = reset_link.send(user, user.email, now=now)
    _audit(
        "admin_reset_link_sent",
        user,
        actor=actor,
        reason=reason,
        now=now,
        client=client,
        details={"flow": flow_id, "domain": user.email.rpartition("@")[2]},
    )
    return True
