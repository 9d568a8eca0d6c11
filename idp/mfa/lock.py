"""The second-factor lock: wrong codes and failed pushes of a user share one growing wait.

Security decisions:
- One counter per user across methods, so an attacker cannot alternate between guessing codes
  and bombing pushes to get twice the attempts.
- Wrong codes are counted in ``second_factor_lock`` with an atomic ``UPDATE ... + 1``; push
  failures (wrong number, denied, reported) are counted from the ``challenge`` table, where
  the push path already lands them exactly once.
- A success (an accepted code, an approved push, a recovery code) resets the count; failures
  older than the realm's ``failure_window_seconds`` are forgotten.
- The wait doubles per failure beyond ``lock_after`` (``lock_seconds``, x2, x4...) up to
  ``lock_max_seconds``, counted from the last failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, literal, null, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError

from idp.audit.service import ClientInfo, record
from idp.extensions import db
from idp.mfa.errors import SecondFactorLocked
from idp.models import Challenge, SecondFactorLock, User
from idp.prepared import Prepared
from idp.realms.store import preset_of
from idp.realms.totp import TotpSettings

__all__ = ["LockState", "check_unlocked", "lock_state", "note_failure", "note_success", "wait_for"]

PUSH_FAILURES = ("failed", "denied", "reported")


@dataclass(frozen=True)
class LockState:
    failures: int
    last_failure_at: datetime | None
    locked_until: datetime | None

    def retry_after(self, now: datetime) -> int:
        if self.locked_until is None or self.locked_until <= now:
            return 0
        return max(1, int((self.locked_until - now).total_seconds() + 0.999))


def wait_for(failures: int, settings: TotpSettings) -> timedelta:
    """The wait after ``failures`` consecutive failures (a pure function of the settings)."""
    if failures < settings.lock_after:
        return timedelta(0)
    extra = min(failures - settings.lock_after, 30)  # 2**30 s is past any cap
    return timedelta(seconds=min(settings.lock_seconds * 2**extra, settings.lock_max_seconds))


# Built once: the lock state is read on every second-factor attempt, in one round trip.
# Three kinds of rows: the code counter ("lock"), the last approved push ("approved"), and
# each push failure of the failure window ("push"); ``since`` is then applied in Python.
_STATE = Prepared(
    union_all(
        select(
            literal("lock").label("kind"),
            SecondFactorLock.code_failures.label("n"),
            SecondFactorLock.last_failure_at.label("at"),
            SecondFactorLock.reset_at.label("reset_at"),
        ).where(SecondFactorLock.user_id == bindparam("user_id")),
        select(
            literal("approved"),
            null(),
            func.max(Challenge.decided_at),
            null(),
        ).where(Challenge.user_id == bindparam("user_id"), Challenge.status == "approved"),
        select(literal("push"), null(), Challenge.decided_at, null()).where(
            Challenge.user_id == bindparam("user_id"),
            or_(*(Challenge.status == s for s in PUSH_FAILURES)),  # no expanding IN: prepared
            Challenge.decided_at > bindparam("window_start"),
        ),
    )
)


def lock_state(user: User, *, now: datetime) -> LockState:
    settings = preset_of(user.realm).totp
    window_start = now - timedelta(seconds=settings.failure_window_seconds)
    db.session.flush()  # the connection's read must see this session's pending changes
    rows = _STATE.rows(db.session.connection(), {"user_id": user.id, "window_start": window_start})
    lock_row = None
    last_approved: datetime | None = None
    push_failures: list[datetime] = []
    for kind, n, at, reset_at in rows:
        if kind == "lock":
            lock_row = (int(n or 0), at, reset_at)
        elif kind == "approved":
            last_approved = at
        elif at is not None:
            push_failures.append(at)
    since = max(
        t for t in (window_start, lock_row[2] if lock_row else None, last_approved) if t is not None
    )
    codes = 0
    last: datetime | None = None
    if lock_row is not None and lock_row[1] is not None and lock_row[1] > since:
        codes, last = lock_row[0], lock_row[1]
    pushes = [t for t in push_failures if t > since]
    if pushes and (last is None or max(pushes) > last):
        last = max(pushes)
    failures = codes + len(pushes)
    wait = wait_for(failures, settings)
    locked_until = last + wait if last is not None and wait else None
    return LockState(failures, last, locked_until)


def check_unlocked(user: User, *, now: datetime) -> LockState:
    """The user's lock state; raises SecondFactorLocked while the wait runs."""
    state = lock_state(user, now=now)
    retry = state.retry_after(now)
    if retry:
        raise SecondFactorLocked(retry_after=retry)
    return state


def note_failure(
    user: User, *, now: datetime, client: ClientInfo | None, method: str, reason: str
) -> LockState:
    """Count a wrong code; audit it, and the lock it causes."""
    bumped = db.session.execute(
        update(SecondFactorLock)
        .where(SecondFactorLock.user_id == user.id)
        .values(code_failures=SecondFactorLock.code_failures + 1, last_failure_at=now)
    )
    if bumped.rowcount != 1:  # type: ignore[attr-defined]
        try:
            with db.session.begin_nested():
                db.session.add(
                    SecondFactorLock(user_id=user.id, code_failures=1, last_failure_at=now)
                )
        except IntegrityError:  # a concurrent first failure created the row
            db.session.execute(
                update(SecondFactorLock)
                .where(SecondFactorLock.user_id == user.id)
                .values(code_failures=SecondFactorLock.code_failures + 1, last_failure_at=now)
            )
    state = lock_state(user, now=now)
    record(
        f"{method}_verify",
        "failure",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
        details={"reason": reason, "failures": state.failures},
    )
    retry = state.retry_after(now)
    if retry:
        record(
            "second_factor_locked",
            "failure",
            now=now,
            realm=user.realm.slug,
            user=user,
            client=client,
            details={"failures": state.failures, "wait_seconds": retry},
        )
    return state


def note_success(user: User, *, now: datetime) -> None:
    """A second factor succeeded: earlier failures no longer count."""
    reset = db.session.execute(
        update(SecondFactorLock)
        .where(SecondFactorLock.user_id == user.id)
        .values(code_failures=0, reset_at=now)
    )
    if reset.rowcount != 1:  # type: ignore[attr-defined]
        try:
            with db.session.begin_nested():
                db.session.add(SecondFactorLock(user_id=user.id, code_failures=0, reset_at=now))
        except IntegrityError:  # a concurrent success or failure created the row
            db.session.execute(
                update(SecondFactorLock)
                .where(SecondFactorLock.user_id == user.id)
                .values(code_failures=0, reset_at=now)
            )
