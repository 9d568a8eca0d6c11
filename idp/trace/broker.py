"""The broker seen through the trace (and, in test mode, through the injected faults).

:class:`TracingBroker` wraps the configured broker (in-process or Redis) only when tracing is
on: it records each challenge as signed for each device, each publication (to how many local
subscribers, on which instance) and each event a subscriber receives, and applies the delivery
faults (drop, delay, duplicate, reorder, corrupt the signature, close the stream after N).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

from flask import has_request_context, request

from idp.faults.runtime import FaultBox
from idp.faults.store import ActiveFault
from idp.faults.tamper import corrupt_signature
from idp.push.broker import Broker, BrokerUnavailable, Delivery, Subscription, SubscriptionLost
from idp.trace.store import TraceStore, instance_name
from shared.messages import ChallengeHint

__all__ = ["TracingBroker", "TracingSubscription"]

_HINT_FAULTS = (
    "corrupt_signature",
    "drop_hints",
    "duplicate_hints",
    "reorder_hints",
    "delay_hints",
)


class TracingSubscription(Subscription):
    """A subscription that records what it hands to its stream (or long-poll), and ends
    after ``close_after`` events when a ``close_stream`` fault says so."""

    def __init__(
        self,
        inner: Subscription,
        device_id: str,
        *,
        store: TraceStore,
        via: str,
        close_fault: ActiveFault | None,
        faults: FaultBox | None,
    ) -> None:
        # Not Subscription.__init__: the wrapped subscription's queue is the one fed.
        self.queue = inner.queue
        self._inner = inner
        self._device_id = device_id
        self._store = store
        self._via = via
        self._close_fault = close_fault
        self._faults = faults
        self._count = 0
        self._last_challenge: str | None = None

    def offer(self, hint: ChallengeHint) -> bool:
        return self._inner.offer(hint)

    def lose(self) -> None:
        self._inner.lose()

    def get(self, timeout: float) -> ChallengeHint | None:
        fault = self._close_fault
        if fault is not None and self._count >= fault.params["after_events"]:
            self._close_fault = None
            if self._faults is not None and self._faults.fire(fault):
                self._faults.record(
                    fault,
                    challenge_id=self._last_challenge,
                    device_id=self._device_id,
                    detail=f"event stream closed after {self._count} event(s)",
                )
                raise SubscriptionLost("fault injected: close_stream")
        hint = self._inner.get(timeout)
        if hint is not None:
            self._count += 1
            self._last_challenge = hint.challenge_id
            self._store.record(
                "hint_received",
                challenge_id=hint.challenge_id,
                device_id=self._device_id,
                data={"event": hint.event, "via": self._via, "number_on_stream": self._count},
            )
        return hint


class TracingBroker(Broker):
    def __init__(self, inner: Broker, *, store: TraceStore, faults: FaultBox | None) -> None:
        self.inner = inner
        self._store = store
        self._faults = faults
        self._held: dict[str, tuple[Delivery, threading.Timer]] = {}
        self._held_lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        # broadcast, lose_all, has_subscribers...: the wrapped broker's own.
        return getattr(self.inner, name)

    # -- publishing ------------------------------------------------------------------------
    def publish(self, deliveries: Iterable[Delivery]) -> int:
        batch = list(deliveries)
        self._record_signed(batch)
        if self._faults is not None:
            batch = self._apply_faults(batch)
        return self._send(batch, note=None)

    def _send(self, batch: list[Delivery], *, note: str | None) -> int:
        if not batch:
            return 0
        try:
            delivered = self.inner.publish(batch)
        except BrokerUnavailable as exc:
            self._record_published(batch, delivered=None, note=note, error=str(exc))
            raise
        self._record_published(batch, delivered=delivered, note=note, error=None)
        return delivered

    def _record_signed(self, batch: list[Delivery]) -> None:
        tokens: dict[str, dict[str, str]] = defaultdict(dict)
        for device_id, hint in batch:
            if hint.event == "challenge" and hint.challenge is not None:
                tokens[hint.challenge_id][device_id] = hint.challenge
        for challenge_id, per_device in tokens.items():
            self._store.record(
                "challenge_signed", challenge_id=challenge_id, data={"tokens": per_device}
            )

    def _record_published(
        self, batch: list[Delivery], *, delivered: int | None, note: str | None, error: str | None
    ) -> None:
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for device_id, hint in batch:
            groups[(hint.challenge_id, hint.event)].append(device_id)
        for (challenge_id, event), devices in groups.items():
            data: dict[str, Any] = {
                "event": event,
                "devices": devices,
                "broker": type(self.inner).__name__,
                "publishing_instance": instance_name(),
            }
            if delivered is not None:
                # Local subscribers of this batch; a Redis broker's remote ones show up as
                # hint_received events of the instances that hold their streams.
                data["delivered_to_local_subscribers"] = delivered
            if note:
                data["note"] = note
            if error:
                data["error"] = error
            self._store.record("hint_published", challenge_id=challenge_id, data=data)

    def _apply_faults(self, batch: list[Delivery]) -> list[Delivery]:
        assert self._faults is not None  # noqa: S101 - checked by the caller
        found = self._faults.for_devices([d for d, _ in batch], _HINT_FAULTS)
        if not found:
            return batch
        now: list[Delivery] = []
        for device_id, hint in batch:
            faults: dict[str, ActiveFault] = {}
            for fault in found.get(device_id, []):
                faults.setdefault(fault.kind, fault)  # the device's own before its user's
            copies = [(device_id, hint)]
            corrupt = faults.get("corrupt_signature")
            if corrupt and hint.challenge is not None and self._faults.fire(corrupt):
                bad = hint.model_copy(update={"challenge": corrupt_signature(hint.challenge)})
                copies = [(device_id, bad)]
                self._faults.record(
                    corrupt,
                    challenge_id=hint.challenge_id,
                    device_id=device_id,
                    detail="one bit of the challenge's signature flipped (event)",
                )
            drop = faults.get("drop_hints")
            if drop and self._faults.fire(drop):
                self._faults.record(
                    drop,
                    challenge_id=hint.challenge_id,
                    device_id=device_id,
                    detail=f"{hint.event} event not delivered",
                )
                continue
            dup = faults.get("duplicate_hints")
            if dup and self._faults.fire(dup):
                copies = copies * dup.params["copies"]
                self._faults.record(
                    dup,
                    challenge_id=hint.challenge_id,
                    device_id=device_id,
                    detail=f"{hint.event} event delivered {dup.params['copies']} times",
                )
            reorder = faults.get("reorder_hints")
            if reorder and self._faults.fire(reorder):
                copies = self._reorder(device_id, copies, reorder)
            delay = faults.get("delay_hints")
            if delay and copies and self._faults.fire(delay):
                ms = delay.params["delay_ms"]
                self._faults.record(
                    delay,
                    challenge_id=hint.challenge_id,
                    device_id=device_id,
                    detail=f"{hint.event} event delivered {ms} ms late",
                )
                self._later(ms / 1000, copies, note=f"delayed {ms} ms by fault {delay.id}")
                continue
            now += copies
        return now

    def _reorder(
        self, device_id: str, copies: list[Delivery], fault: ActiveFault
    ) -> list[Delivery]:
        """Hold this event until the device's next one (sent before it) or ``hold_ms``."""
        assert self._faults is not None  # noqa: S101
        hint = copies[0][1]
        with self._held_lock:
            held = self._held.pop(device_id, None)
        if held is not None:
            (earlier, timer) = held
            timer.cancel()
            self._faults.record(
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
        self._faults.record(
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
            self._send_quietly([held[0]], note="released after the hold time (reorder_hints)")

    def _later(self, seconds: float, batch: list[Delivery], *, note: str) -> None:
        timer = threading.Timer(seconds, self._send_quietly, args=(batch,), kwargs={"note": note})
        timer.daemon = True
        timer.start()

    def _send_quietly(self, batch: list[Delivery], *, note: str) -> None:
        with suppress(BrokerUnavailable):  # recorded by _send; devices catch up from pending
            self._send(batch, note=note)

    # -- subscribing -----------------------------------------------------------------------
    def subscribe(self, device_id: str) -> AbstractContextManager[Subscription]:
        via = "event stream"
        close_fault = None
        if has_request_context():
            via = "long-poll" if request.endpoint == "device_api.pending" else "event stream"
            if via == "event stream" and self._faults is not None:
                found = self._faults.for_devices([device_id], ("close_stream",))
                close_fault = next(iter(found.get(device_id, [])), None)
        return self._subscribe(device_id, via, close_fault)

    @contextmanager
    def _subscribe(
        self, device_id: str, via: str, close_fault: ActiveFault | None
    ) -> Iterator[Subscription]:
        with self.inner.subscribe(device_id) as sub:
            wrapped = TracingSubscription(
                sub,
                device_id,
                store=self._store,
                via=via,
                close_fault=close_fault,
                faults=self._faults,
            )
            yield wrapped

    def close(self) -> None:
        self.inner.close()
