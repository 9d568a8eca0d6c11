"""The broker seen through the trace (and, in test mode, through the injected faults).

:class:`TracingBroker` wraps the configured broker (in-process or Redis) only when tracing is
on: it records each challenge as signed for each device, each publication (to how many local
subscribers, on which instance) and each event a subscriber receives, and applies the delivery
faults (drop, delay, duplicate, reorder, corrupt the signature, close the stream after N).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

from flask import has_request_context, request

from idp.faults.events import EventFaults
from idp.faults.runtime import FaultBox
from idp.faults.store import ActiveFault
from idp.push.broker import (
    USER_PREFIX,
    Broker,
    BrokerUnavailable,
    Delivery,
    Subscription,
    SubscriptionLost,
)
from idp.trace.store import TraceStore, instance_name
from shared.messages import ChallengeHint

__all__ = ["TracingBroker", "TracingSubscription"]

# Who holds a subscription, by the endpoint that opened it.
_VIA = {"device_api.events": "event stream", "device_api.pending": "long-poll"}


class TracingSubscription(Subscription):
    """A subscription that records what it hands to its stream (or long-poll), and ends
    after ``close_after`` events when a ``close_stream`` fault says so."""

    def __init__(
        self,
        inner: Subscription,
        device_id: str | None,
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
        self._event_faults = (
            EventFaults(faults, send=self._send_quietly) if faults is not None else None
        )

    def __getattr__(self, name: str) -> Any:
        # broadcast, lose_all, has_subscribers...: the wrapped broker's own.
        return getattr(self.inner, name)

    # -- publishing ------------------------------------------------------------------------
    def publish(self, deliveries: Iterable[Delivery]) -> int:
        batch = list(deliveries)
        self._record_signed(batch)
        if self._event_faults is not None:
            batch = self._event_faults.apply(batch)
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
        for address, hint in batch:
            groups[(hint.challenge_id, hint.event)].append(address)
        for (challenge_id, event), addresses in groups.items():
            data: dict[str, Any] = {
                "event": event,
                # Device ids, or "user:<id>" for an event to every device of a user.
                "addresses": addresses,
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

    def _send_quietly(self, batch: list[Delivery], note: str) -> None:
        with suppress(BrokerUnavailable):  # recorded by _send; devices catch up from pending
            self._send(batch, note=note)

    # -- subscribing -----------------------------------------------------------------------
    def subscribe(self, *addresses: str) -> AbstractContextManager[Subscription]:
        device_id = next((a for a in addresses if not a.startswith(USER_PREFIX)), None)
        endpoint = request.endpoint if has_request_context() else None
        via = _VIA.get(endpoint or "", "browser wait")
        close_fault = None
        if via == "event stream" and device_id is not None and self._faults is not None:
            close_fault = self._faults.first(device_id, "close_stream")
        return self._subscribe(addresses, device_id, via, close_fault)

    @contextmanager
    def _subscribe(
        self,
        addresses: tuple[str, ...],
        device_id: str | None,
        via: str,
        close_fault: ActiveFault | None,
    ) -> Iterator[Subscription]:
        with self.inner.subscribe(*addresses) as sub:
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
