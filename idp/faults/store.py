"""Faults in the ``push_fault`` table: create, list, clear, and find the ones that apply.

Firing a fault with ``times`` is a conditional ``UPDATE ... WHERE remaining > 0``: two workers
firing the last use together cannot both apply it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import Connection

from idp.extensions import db
from idp.faults.spec import FaultInputError, FaultSpec
from idp.models import Device, PushFault, Realm, User

__all__ = ["ActiveFault", "clear", "create", "fire", "list_faults", "matching"]


@dataclass(frozen=True, slots=True)
class ActiveFault:
    id: int
    kind: str
    params: dict[str, int]
    device_id: str | None
    user_id: int | None

    def applies_to(self, device_id: str, user_id: int | None) -> bool:
        if self.device_id is not None:
            return self.device_id == device_id
        return self.user_id is not None and self.user_id == user_id

    def describe(self) -> dict[str, Any]:
        target = {"device_id": self.device_id} if self.device_id else {"user_id": self.user_id}
        return {"fault_id": self.id, "kind": self.kind, **self.params, **target}


def create(spec: FaultSpec, *, now: datetime) -> PushFault:
    """Store ``spec`` (the caller commits); unknown targets are a 404 FaultInputError."""
    user_id = None
    if spec.device_id is not None:
        device = db.session.get(Device, spec.device_id)
        if device is None or device.revoked_at is not None:
            raise FaultInputError(
                "device_unknown", "no active device with this id", field="device_id", status=404
            )
    else:
        realm = db.session.scalar(select(Realm).where(Realm.slug == spec.realm))
        if realm is None:
            raise FaultInputError("realm_unknown", "no such realm", field="realm", status=404)
        user = db.session.scalar(
            select(User).where(User.realm_id == realm.id, User.username == spec.username)
        )
        if user is None:
            raise FaultInputError("user_unknown", "no such user", field="username", status=404)
        user_id = user.id
    fault = PushFault(
        kind=spec.kind,
        device_id=spec.device_id,
        user_id=user_id,
        params=dict(spec.params),
        remaining=spec.times,
        fired=0,
        created_at=now,
    )
    db.session.add(fault)
    db.session.flush()
    return fault


def as_json(fault: PushFault) -> dict[str, Any]:
    return {
        "id": fault.id,
        "kind": fault.kind,
        "device_id": fault.device_id,
        "user_id": fault.user_id,
        "params": dict(fault.params or {}),
        "remaining": fault.remaining,
        "fired": fault.fired,
        "created_at": fault.created_at.isoformat(),
    }


def list_faults() -> list[PushFault]:
    return list(db.session.scalars(select(PushFault).order_by(PushFault.id)))


def clear(fault_id: int | None = None) -> int:
    """Remove one fault (by id) or all of them; how many were removed (the caller commits)."""
    stmt = delete(PushFault)
    if fault_id is not None:
        stmt = stmt.where(PushFault.id == fault_id)
    result: Any = db.session.execute(stmt)
    return int(result.rowcount or 0)


def matching(
    conn: Connection, device_ids: Iterable[str], kinds: Collection[str]
) -> tuple[list[ActiveFault], dict[str, int]]:
    """Unspent faults of ``kinds`` aimed at these devices or at their users, and each device's
    user id (to tell which user-wide fault applies to which device)."""
    ids = list(dict.fromkeys(device_ids))
    if not ids:
        return [], {}
    owners = {
        r.id: r.user_id
        for r in conn.execute(select(Device.id, Device.user_id).where(Device.id.in_(ids)))
    }
    table = PushFault.__table__
    rows = conn.execute(
        select(table)
        .where(
            table.c.kind.in_(list(kinds)),
            or_(table.c.remaining.is_(None), table.c.remaining > 0),
            or_(table.c.device_id.in_(ids), table.c.user_id.in_(set(owners.values()))),
        )
        .order_by(table.c.id)
    ).all()
    faults = [ActiveFault(r.id, r.kind, dict(r.params or {}), r.device_id, r.user_id) for r in rows]
    return faults, owners


def fire(conn: Connection, fault: ActiveFault) -> bool:
    """Count one use; False when it was spent meanwhile (another worker used the last one)."""
    table = PushFault.__table__
    result: Any = conn.execute(
        update(table)
        .where(
            table.c.id == fault.id,
            or_(table.c.remaining.is_(None), table.c.remaining > 0),
        )
        .values(
            fired=table.c.fired + 1,
            remaining=table.c.remaining - 1,  # NULL stays NULL: unlimited
        )
    )
    return bool(result.rowcount)
