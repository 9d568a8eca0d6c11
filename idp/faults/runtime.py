"""Faults at run time: which apply to a delivery, firing them, and their trace events.

Used from requests and from event-stream greenlets (no app context): it works on its own
connections from the trace store's engine, never in a request's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from idp.faults import store
from idp.faults.store import ActiveFault
from idp.models import Device
from idp.trace.store import TraceStore

__all__ = ["FaultBox"]


class FaultBox:
    def __init__(self, trace: TraceStore) -> None:
        self._trace = trace

    def for_devices(
        self, device_ids: Iterable[str], kinds: Collection[str]
    ) -> dict[str, list[ActiveFault]]:
        """The unspent faults of ``kinds`` that apply to each device (device ones first)."""
        with self._trace.engine().connect() as conn:
            faults, owners = store.matching(conn, device_ids, kinds)
        found: dict[str, list[ActiveFault]] = defaultdict(list)
        for device_id, user_id in owners.items():
            mine = [f for f in faults if f.applies_to(device_id, user_id)]
            mine.sort(key=lambda f: f.device_id is None)  # a device's own fault wins
            if mine:
                found[device_id] = mine
        return dict(found)

    def devices_of(self, user_ids: Collection[int]) -> dict[int, list[str]]:
        """The active devices of each user (events addressed to a user reach them all)."""
        found: dict[int, list[str]] = defaultdict(list)
        with self._trace.engine().connect() as conn:
            for device_id, user_id in conn.execute(
                select(Device.id, Device.user_id).where(
                    Device.user_id.in_(sorted(user_ids)), Device.revoked_at.is_(None)
                )
            ):
                found[user_id].append(device_id)
        return dict(found)

    def by_kind(self, device_id: str, kinds: Collection[str]) -> dict[str, ActiveFault]:
        """One fault per kind for this device: its own before its user's, older first."""
        chosen: dict[str, ActiveFault] = {}
        for fault in self.for_devices([device_id], kinds).get(device_id, []):
            chosen.setdefault(fault.kind, fault)
        return chosen

    def first(self, device_id: str, kind: str) -> ActiveFault | None:
        return next(iter(self.for_devices([device_id], (kind,)).get(device_id, [])), None)

    def fire(self, fault: ActiveFault) -> bool:
        """Count one use of ``fault``; False when it is spent (or the database failed)."""
        try:
            with self._trace.engine().begin() as conn:
                return store.fire(conn, fault)
        except SQLAlchemyError:
            return False

    def record(
        self,
        fault: ActiveFault,
        *,
        challenge_id: str | None,
        device_id: str | None,
        detail: str,
    ) -> None:
        self._trace.record(
            "fault_injected",
            challenge_id=challenge_id,
            device_id=device_id,
            data={**fault.describe(), "detail": detail},
        )
