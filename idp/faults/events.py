"""The faults that alter challenge events on their way to a device's subscriptions: drop,
delay, duplicate, reorder, corrupt the signature. Applied where an event is published
(:class:`idp.trace.broker.TracingBroker`), so they hold with the in-process broker and Redis."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from idp.faults.runtime import FaultBox
from idp.faults.store import ActiveFault
from idp.faults.tamper import corrupt_signature
from idp.push.broker import USER_PREFIX, Delivery

__all__ = ["EVENT_FAULTS", "EventFaults"]

EVENT_FAULTS = (
    "corrupt_signature",
    "drop_hints",
    "duplicate_hints",
    "reorder_hints",
    "delay_hints",
)


class EventFaults:
    """``send(batch, note)`` publishes what a timer releases (a delayed or held event)."""

    def __init__(self, box: FaultBox, *, send: Callable[[list[Delivery], str], None]) -> None:
        self._box = box
        self._send = send
        # A held event per device (reorder_hints), in this process.
        self._held: dict[str, tuple[Delivery, threading.Timer]] = {}
        self._held_lock = threading.Lock()

    def apply(self, batch: list[Delivery]) -> list[Delivery]:
        """What to publish now; delayed and held events are sent later by ``send``."""
        users = {
            int(address.removeprefix(USER_PREFIX))
            for address, _ in batch
            if address.startswith(USER_PREFIX)
        }
        devices_of = self._box.devices_of(users) if users else {}
        targets = [a for a, _ in batch if not a.startswith(USER_PREFIX)]
        targets += [d for ids in devices_of.values() for d in ids]
        found = self._box.for_devices(targets, EVENT_FAULTS)
        if not found:
            return batch
        now: list[Delivery] = []
        for device_id, hint in self._per_device(batch, devices_of, found):
            if device_id not in found:
                now.append((device_id, hint))
                continue
            faults: dict[str, ActiveFault] = {}
            for fault in found.get(device_id, []):
                faults.setdefault(fault.kind, fault)  # the device's own before its user's
            copies = [(device_id, hint)]
            corrupt = faults.get("corrupt_signature")
            if corrupt and hint.challenge is not None and self._box.fire(corrupt):
                bad = hint.model_copy(update={"challenge": corrupt_signature(hint.challenge)})
                copies = [(device_id, bad)]
                self._box.record(
                    corrupt,
                    challenge_id=hint.challenge_id,
                    device_id=device_id,
                    detail="one bit of the challenge's signature flipped (event)",
                )
            drop = faults.get("drop_hints")
            if drop and self._box.fire(drop):
                self._box.record(
                    drop,
                    challenge_id=hint.challenge_id,
                    device_id=device_id,
                    detail=f"{hint.event} event not delivered",
                )
                continue
            dup = faults.get("duplicate_hints")
            if dup and self._box.fire(dup):
                copies = copies * dup.params["copies"]
                self._box.record(
                    dup,
                    challenge_id=hint.challenge_id,
                    device_id=device_id,
                    detail=f"{hint.event} event delivered {dup.params['copies']} times",
                )
            reorder = faults.get("reorder_hints")
            if reorder and self._box.fire(reorder):
                copies = self._reorder(device_id, copies, reorder)
            delay = faults.get("delay_hints")
            if delay and copies and self._box.fire(delay):
                ms = delay.params["delay_ms"]
                self._box.record(
                    delay,
                    challenge_id=hint.challenge_id,
                    device_id=device_id,
                    detail=f"{hint.event} event delivered {ms} ms late",
                )
                self._later(ms / 1000, copies, note=f"delayed {ms} ms by fault {delay.id}")
                continue
            now += copies
        return now

    @staticmethod
    def _per_device(
        batch: list[Delivery], devices_of: dict[int, list[str]], found: dict[str, Any]
    ) -> list[Delivery]:
        """An event addressed to every device of a user (decided, superseded) becomes one
        event per device when a fault applies to one of them; others pass as they are."""
        out: list[Delivery] = []
        for address, hint in batch:
            if address.startswith(USER_PREFIX):
                devices = devices_of.get(int(address.removeprefix(USER_PREFIX)), [])
                if any(d in found for d in devices):
                    out += [(d, hint) for d in devices]
                    continue
            out.append((address, hint))
        return out

    def _reorder(
        self, device_id: str, copies: list[Delivery], fault: ActiveFault
    ) -> list[Delivery]:
        """Hold this event until the device's next one (sent before it) or ``hold_ms``."""
        hint = copies[0][1]
        with self._held_lock:
            held = self._held.pop(device_id, None)
        if held is not None:
            (earlier, timer) = held
            timer.cancel()
            self._box.record(
                fault,
                challenge_id=earlier[1].challenge_id,
                device_id=device_id,
                detail=f"{earlier[1].event} event delivered after the later "
                f"{hint.event} event of {hint.challenge_id}",
            )
            return [*copies, earlier]
        hold = fault.params["hold_ms"] / 1000
        timer = threading.Timer(hold, self._release, args=(device_id,))
        timer.daemon = True
        with self._held_lock:
            self._held[device_id] = (copies[0], timer)
        timer.start()
        self._box.record(
            fault,
            challenge_id=hint.challenge_id,
            device_id=device_id,
            detail=f"{hint.event} event held until the device's next event "
            f"(at most {fault.params['hold_ms']} ms)",
        )
        return copies[1:]

    def _release(self, device_id: str) -> None:
        with self._held_lock:
            held = self._held.pop(device_id, None)
        if held is not None:
            self._send([held[0]], "released after the hold time (reorder_hints)")

    def _later(self, seconds: float, batch: list[Delivery], *, note: str) -> None:
        timer = threading.Timer(seconds, self._send, args=(batch, note))
        timer.daemon = True
        timer.start()
