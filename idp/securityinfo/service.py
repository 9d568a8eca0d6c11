"""What the security info page shows and changes.

Security decisions:
- Every change of a sign-in or recovery method (email, joker question, device added or
  removed) first checks the current password (``confirm_password``): a browser left signed
  in is not enough to take the account over. A wrong password is audited and rate limited.
- Every change is audited and mailed ("Vos informations de sécurité ont été modifiées"); an
  email change is mailed to the old address too, the one an attacker cannot read.
- Ending a session only touches the user's own sessions: an id of someone else's is "not
  found", exactly like an id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from idp.audit.service import ClientInfo, record
from idp.auth import sessions
from idp.errors import IdpError
from idp.extensions import db
from idp.mail.notices import notify_security_info_changed
from idp.mfa.service import remove_device as _remove_device
from idp.models import AuditEvent, BrowserSession, Device, User
from idp.realms.schema import SessionSettings
from idp.security.passwords import Hasher
from idp.users.attributes import validate_attributes
from idp.users.service import set_attributes

__all__ = [
    "ACTIVITY_EVENTS",
    "ReauthFailed",
    "SessionNotFound",
    "change_email",
    "change_secret_question",
    "confirm_password",
    "end_one_session",
    "end_other_sessions",
    "recent_activity",
    "remove_device",
    "set_second_factor_only",
    "uses_secret_question",
]

# Sign-ins and security events shown under « Activité récente ».
ACTIVITY_EVENTS = (
    "sign_in",
    "password_changed",
    "password_change",
    "password_expired",
    "device_enrolled",
    "device_removed",
    "email_changed",
    "secret_question_changed",
    "session_ended",
    "sessions_ended",
    "recovery_push",
    "recovery_request",
    "admin_user_disabled",
    "admin_user_enabled",
    "admin_sessions_revoked",
    "security_info_reauth",
    "security_info_protection_changed",
    "step_up",
    "recovery_codes_generated",
    "email_verification_sent",
)


class ReauthFailed(IdpError):
    code = "reauth_failed"


class SessionNotFound(IdpError):
    code = "session_not_found"


@dataclass(frozen=True)
class Activity:
    at: datetime
    event: str
    outcome: str
    ip: str | None
    user_agent: str | None
    reason: str | None


def uses_secret_question(recovery_steps: list[str]) -> bool:
    return "verify_secret_question" in recovery_steps


def confirm_password(
    user: User, password: str, *, hasher: Hasher, now: datetime, client: ClientInfo, action: str
) -> None:
    """Raise ``ReauthFailed`` (audited) unless ``password`` is the user's current one."""
    if hasher.verify(user.password_hash, password):
        return
    record(
        "security_info_reauth",
        "failure",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
        details={"action": action},
    )
    raise ReauthFailed("wrong current password")


def change_email(user: User, new_email: str, *, now: datetime, client: ClientInfo) -> None:
    old = user.email
    user.email = new_email
    row = record(
        "email_changed",
        "success",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
        # Domains only: the audit trail is not an address book.
        details={
            "old_domain": old.rpartition("@")[2] if old else None,
            "new_domain": new_email.rpartition("@")[2],
        },
    )
    db.session.flush()
    change = _l("Votre adresse de messagerie a été modifiée.")
    notify_security_info_changed(user, change=change, key=str(row.id), now=now, client=client)
    if old and old.casefold() != new_email.casefold():
        notify_security_info_changed(
            user, change=change, key=str(row.id), now=now, client=client, to=old
        )


def change_secret_question(
    user: User, question: str, answer: str, *, hasher: Hasher, now: datetime, client: ClientInfo
) -> None:
    """Replace the joker question and its answer (stored as an argon2id hash); raises
    ``AttributeInvalid`` naming the field when one is refused."""
    clean = validate_attributes(
        {"secret_question": question, "secret_answer": answer}, today=now.date()
    )
    set_attributes(user, clean, hasher=hasher)
    row = record(
        "secret_question_changed",
        "success",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
    )
    db.session.flush()
    notify_security_info_changed(
        user,
        change=_l("Votre question secrète a été modifiée."),
        key=str(row.id),
        now=now,
        client=client,
    )


def remove_device(device: Device, *, now: datetime, client: ClientInfo) -> None:
    _remove_device(device, now=now, client=client, by="user")
    db.session.flush()
    notify_security_info_changed(
        device.user,
        change=_l("Un appareil a été retiré de votre compte : %(name)s.", name=device.name),
        key=f"device:{device.id}",
        now=now,
        client=client,
    )


def set_second_factor_only(user: User, on: bool, *, now: datetime, client: ClientInfo) -> None:
    """The user's option: changes of security info need a fresh second factor (audited, mailed)."""
    user.changes_need_second_factor = on
    row = record(
        "security_info_protection_changed",
        "success",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
        details={"second_factor_only": on},
    )
    db.session.flush()
    notify_security_info_changed(
        user,
        change=(
            _l(
                "Les modifications de vos informations de sécurité demandent désormais un "
                "second facteur."
            )
            if on
            else _l(
                "Les modifications de vos informations de sécurité acceptent de nouveau votre "
                "mot de passe."
            )
        ),
        key=str(row.id),
        now=now,
        client=client,
    )


def end_one_session(
    user: User, session_id: int, *, now: datetime, client: ClientInfo
) -> BrowserSession:
    row = db.session.get(BrowserSession, session_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise SessionNotFound("no such session")
    sessions.end(row, reason="user", now=now, client=client)
    return row


def end_other_sessions(
    user: User, current: BrowserSession, *, now: datetime, client: ClientInfo
) -> int:
    return sessions.end_all_for_user(
        user, reason="logout_everywhere", now=now, keep=current, client=client
    )


def live_sessions(user: User, *, settings: SessionSettings, now: datetime) -> list[BrowserSession]:
    return sessions.list_for_user(user, settings=settings, now=now)


def recent_activity(user: User, *, limit: int = 20) -> list[Activity]:
    """The user's last ``limit`` sign-ins and security events, newest first."""
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.user_id == user.id, AuditEvent.event.in_(ACTIVITY_EVENTS))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return [
        Activity(
            at=r.at,
            event=r.event,
            outcome=r.outcome,
            ip=r.ip,
            user_agent=r.user_agent,
            reason=(r.details or {}).get("reason"),
        )
        for r in rows
    ]
