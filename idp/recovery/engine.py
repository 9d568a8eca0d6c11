"""Flow state: server-side, bound to the browser session, expiring, strictly ordered.

Security decisions:
- The browser holds only an opaque flow id inside the signed session cookie, next to a random
  binding secret; the database stores the SHA-256 of that secret, so a flow id alone (leaked
  URL, log line) opens nothing, and a flow answers only to the session that began it.
- Every transition bumps ``version``; a form carries the version it was rendered for, so a
  replayed or back-button POST is refused instead of re-running a step.
- Steps run in the declared order only: the current step is ``steps[step_index]`` and the
  only moves are "next", "stay" or "fail". A completed or failed flow is dead.
- A step may offer alternatives (``[recovery.alternatives]``): the user may swap the current
  step for one of them (``choose``), never for anything else, and only at that position; the
  choice is kept per position in the flow's data.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, MutableMapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from idp.extensions import db
from idp.models import FlowState, Realm
from idp.recovery.errors import (
    FlowChoiceInvalid,
    FlowCompleted,
    FlowExpired,
    FlowLocked,
    FlowMissing,
    FlowStale,
)
from idp.users.service import username_key

__all__ = [
    "SESSION_KEY",
    "Alternatives",
    "FlowHandle",
    "adopt_flow",
    "check_lock",
    "client_key",
    "current_flow",
    "start_flow",
]

SESSION_KEY = "recovery_flow"


Alternatives = Mapping[str, Sequence[str]]


class FlowHandle:
    """The flow of this browser session, with the realm's ordered steps."""

    def __init__(
        self, row: FlowState, steps: list[str], alternatives: Alternatives | None = None
    ) -> None:
        self.row = row
        self.steps = steps
        self.alternatives: Alternatives = alternatives or {}

    @property
    def declared(self) -> str:
        """The step the preset puts at this position."""
        return self.steps[self.row.step_index]

    @property
    def step(self) -> str:
        """The step to run now: the declared one, or the alternative chosen for it."""
        chosen = self.row.data.get("chosen")
        if isinstance(chosen, dict):
            picked = chosen.get(str(self.row.step_index))
            if picked in self.options:
                return str(picked)
        return self.declared

    @property
    def options(self) -> list[str]:
        """What the user may run at this position, the declared step first."""
        return [self.declared, *self.alternatives.get(self.declared, ())]

    def choose(self, name: str) -> None:
        """Swap the current step for one of its declared alternatives (or back)."""
        if name not in self.options:
            raise FlowChoiceInvalid(f"{name!r} is not offered at this step")
        chosen = dict(self.row.data.get("chosen") or {})
        chosen[str(self.row.step_index)] = name
        self.update(chosen=chosen)
        self.row.version += 1

    @property
    def version(self) -> str:
        """What a form carries: changes at every transition and differs between flows."""
        digest = hashlib.sha256(f"{self.row.id}:{self.row.version}".encode()).hexdigest()
        return digest[:20]

    @property
    def data(self) -> dict[str, Any]:
        return self.row.data

    def update(self, **values: Any) -> None:
        # JSON columns track assignment, not in-place mutation.
        self.row.data = {**self.row.data, **values}

    def check_version(self, posted: str | None) -> None:
        if not secrets.compare_digest(posted or "", self.version):
            raise FlowStale("this page is out of date")

    def advance(self, *, now: datetime) -> str:
        if self.row.step_index + 1 >= len(self.steps):
            raise FlowCompleted("no step after the last one")
        self.row.step_index += 1
        self.row.version += 1
        return self.step

    def touch(self) -> None:
        """A new version of the same step (a new captcha, a new notification)."""
        self.row.version += 1

    def complete(self, *, now: datetime) -> None:
        self.row.completed_at = now
        self.row.version += 1

    def fail(self, code: str, *, now: datetime, until: datetime | None = None) -> None:
        """End the flow; ``until`` is when the lock this failure causes or meets ends."""
        self.row.failed_at = now
        self.row.failure_code = code
        self.row.version += 1
        if until is not None:
            self.update(locked_until=until.isoformat())

    @property
    def locked_until(self) -> datetime | None:
        value = self.data.get("locked_until")
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    @property
    def finished(self) -> bool:
        return self.row.completed_at is not None or self.row.failed_at is not None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def client_key(ip: str | None) -> str | None:
    """What a flow keeps of its client for locks: a digest of the address, not the address."""
    return hashlib.sha256(ip.encode("utf-8")).hexdigest() if ip else None


def check_lock(
    realm: Realm,
    subject: str | None,
    *,
    code: str,
    lock: timedelta,
    now: datetime,
    client: str | None = None,
) -> None:
    """Refuse to go on while a recent flow failed with ``code`` for ``subject`` or ``client``.

    Applied to the identifier as typed, known account or not, so it reveals nothing; and to
    the client (``client_key``), so a lock does not end by changing the identifier or the URL.
    """
    if lock <= timedelta(0):
        return
    who = []
    if subject:
        who.append(FlowState.subject_key == username_key(subject))
    if client:
        who.append(FlowState.client_key == client)
    if not who:
        return
    last = db.session.scalar(
        select(func.max(FlowState.failed_at)).where(
            FlowState.realm_id == realm.id,
            or_(*who),
            FlowState.failure_code == code,
            FlowState.failed_at > now - lock,
        )
    )
    if last is not None:
        raise FlowLocked("recovery is locked for this identifier or client", until=last + lock)


def start_flow(
    session: MutableMapping[str, Any],
    realm: Realm,
    steps: list[str],
    *,
    kind: str,
    ttl: timedelta,
    now: datetime,
    subject: str | None = None,
    client: str | None = None,
    data: dict[str, Any] | None = None,
    alternatives: Alternatives | None = None,
) -> FlowHandle:
    """A new flow for this browser session; a previous one of the session is abandoned."""
    previous = session.get(SESSION_KEY)
    if isinstance(previous, dict):
        old = db.session.get(FlowState, previous.get("id"))
        if old is not None and old.completed_at is None and old.failed_at is None:
            old.failed_at, old.failure_code = now, "abandoned"
    binding = secrets.token_urlsafe(32)
    row = FlowState(
        id=secrets.token_urlsafe(24),
        realm_id=realm.id,
        kind=kind,
        session_binding=_digest(binding),
        step_index=0,
        version=1,
        subject_key=username_key(subject) if subject else None,
        client_key=client,
        data=data or {},
        created_at=now,
        expires_at=now + ttl,
    )
    db.session.add(row)
    session[SESSION_KEY] = {"id": row.id, "binding": binding, "realm": realm.slug}
    return FlowHandle(row, steps, alternatives)


def current_flow(
    session: MutableMapping[str, Any],
    realm: Realm,
    steps: list[str],
    *,
    now: datetime,
    allow_finished: bool = False,
    alternatives: Alternatives | None = None,
) -> FlowHandle:
    ref = session.get(SESSION_KEY)
    if not isinstance(ref, dict) or ref.get("realm") != realm.slug:
        raise FlowMissing("no recovery in progress")
    row = db.session.get(FlowState, ref.get("id"))
    if (
        row is None
        or row.realm_id != realm.id
        or not secrets.compare_digest(row.session_binding, _digest(str(ref.get("binding", ""))))
    ):
        raise FlowMissing("no recovery in progress")
    handle = FlowHandle(row, steps, alternatives)
    if handle.finished and not allow_finished:
        raise FlowCompleted("this recovery has ended")
    if row.expires_at <= now and not handle.finished:
        row.failed_at, row.failure_code = now, "expired"
        db.session.commit()
        raise FlowExpired("this recovery has expired")
    return handle


def adopt_flow(
    session: MutableMapping[str, Any],
    realm: Realm,
    steps: list[str],
    row: FlowState,
    *,
    now: datetime,
    ttl: timedelta,
    alternatives: Alternatives | None = None,
) -> FlowHandle:
    """Bind an existing flow to this browser session (a mailed link opened anywhere)."""
    binding = secrets.token_urlsafe(32)
    row.session_binding = _digest(binding)
    row.version += 1
    row.expires_at = now + ttl
    session[SESSION_KEY] = {"id": row.id, "binding": binding, "realm": realm.slug}
    return FlowHandle(row, steps, alternatives)
