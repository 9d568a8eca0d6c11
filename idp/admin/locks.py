"""The locks an account can be under, as the recovery journeys store them, and lifting them.

- ``captcha``: too many wrong captchas for an identifier; a failed ``flow_state`` row with
  ``failure_code = "captcha_locked"`` and ``subject_key`` = the identifier as typed (casefold),
  active for ``recovery.captcha.lock_seconds`` after ``failed_at``.
- ``secret``: too many wrong joker answers; same, with ``"secret_locked"`` and the account's
  username, for ``recovery.secret_question.lock_seconds``.
- ``push_report``: a « Non, ce n'est pas moi » report; ``user.push_blocked_until``.

Lifting a flow lock renames its failure code to ``lifted:<code>`` (the row stays, so the audit
trail and ``idp trace`` still show what happened); ``check_lock`` matches exact codes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from idp.extensions import db
from idp.models import FlowState, User
from idp.realms.schema import RealmPreset

__all__ = ["LOCK_KINDS", "Lock", "active_locks", "lift"]

LOCK_KINDS = ("captcha", "secret", "push_report")
_FLOW_CODES = {"captcha": "captcha_locked", "secret": "secret_locked"}


@dataclass(frozen=True)
class Lock:
    kind: str
    until: datetime


def _flow_lock_seconds(preset: RealmPreset, kind: str) -> int:
    recovery = preset.recovery
    if kind == "captcha":
        return int(recovery.captcha.lock_seconds) if "captcha" in recovery.steps else 0
    if "verify_secret_question" in recovery.steps:
        return int(recovery.secret_question.lock_seconds)
    return 0


def active_locks(user: User, preset: RealmPreset, *, now: datetime) -> list[Lock]:
    locks: list[Lock] = []
    for kind, code in _FLOW_CODES.items():
        seconds = _flow_lock_seconds(preset, kind)
        if seconds <= 0:
            continue
        lock = timedelta(seconds=seconds)
        last = db.session.scalar(
            select(FlowState.failed_at)
            .where(
                FlowState.realm_id == user.realm_id,
                FlowState.subject_key == user.username_key,
                FlowState.failure_code == code,
                FlowState.failed_at > now - lock,
            )
            .order_by(FlowState.failed_at.desc())
            .limit(1)
        )
        if last is not None:
            locks.append(Lock(kind, last + lock))
    if user.push_blocked_until is not None and user.push_blocked_until > now:
        locks.append(Lock("push_report", user.push_blocked_until))
    return locks


def lift(user: User, kind: str) -> int:
    """Lift every lock of ``kind`` on ``user``; how many records changed."""
    if kind == "push_report":
        if user.push_blocked_until is None:
            return 0
        user.push_blocked_until = None
        return 1
    code = _FLOW_CODES[kind]
    result = db.session.execute(
        update(FlowState)
        .where(
            FlowState.realm_id == user.realm_id,
            FlowState.subject_key == user.username_key,
            FlowState.failure_code == code,
        )
        .values(failure_code=f"lifted:{code}")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
