"""Challenge events across processes and instances: Redis pub/sub, one channel per device.

Each process keeps one pub/sub connection. A device's channel (``idp:push:device:<id>``) and
its user's (``idp:push:user:<id>``, for events every device of the user gets) are subscribed
while at least one local stream of that device is open, so an instance only receives the
events of the devices it serves; publishing is one ``PUBLISH`` per address (a pipeline).
Redis routes a message to the instances subscribed to its channel, whatever their number
(docs/decisions.md explains why per device, not a sharded scheme).

A subscription is active only once Redis confirmed the ``SUBSCRIBE``: the stream says
``: connected`` after that, so a device that catches up from ``pending`` on ``connected`` cannot
miss a challenge created in between.

When the pub/sub connection fails, every local subscription is *lost* (its stream ends; the
device reconnects and catches up from ``pending``), and the reader reconnects with a backoff.
While Redis is down, ``subscribe`` and ``publish`` raise :class:`BrokerUnavailable`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import redis

from idp.push.broker import (
    USER_PREFIX,
    Broker,
    BrokerUnavailable,
    Delivery,
    LocalBroker,
    Subscription,
)
from shared.errors import ProtocolError
from shared.messages import ChallengeHint

__all__ = ["CONTROL_CHANNEL", "RedisBroker"]

log = logging.getLogger(__name__)

PREFIX = "idp:push:device:"
USER_CHANNEL_PREFIX = "idp:push:user:"
CONTROL_CHANNEL = "idp:control"
SUBSCRIBE_TIMEOUT = 5.0
READ_TIMEOUT = 1.0
BACKOFF_MAX = 5.0


class _Channel:
    """How many SUBSCRIBE commands were sent for a channel and how many Redis confirmed."""

    __slots__ = ("acked", "event", "sent")

    def __init__(self) -> None:
        self.sent = 0
        self.acked = 0
        self.event = threading.Event()


class RedisBroker(Broker):
    def __init__(self, client: redis.Redis, *, control_handler: Any = None) -> None:
        self._client = client
        self._local = LocalBroker(on_last=self._channel_unwanted)
        self._lock = threading.Lock()
        self._channels: dict[str, _Channel] = {}
        self._pubsub: Any = None
        self._up = threading.Event()
        self._stopped = threading.Event()
        self._control_handler = control_handler
        self._reader: threading.Thread | None = None

    # -- publishing -------------------------------------------------------------------------

    def publish(self, deliveries: Iterable[Delivery]) -> int:
        items = list(deliveries)
        if not items:
            return 0
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for address, hint in items:
                    pipe.publish(_channel(address), hint.to_json())
                pipe.execute()
        except redis.RedisError as exc:
            raise BrokerUnavailable(f"Redis refused the events: {type(exc).__name__}") from None
        return 0

    def broadcast(self, message: str) -> None:
        """A control message to every process (e.g. a realm's cache is stale)."""
        try:
            self._client.publish(CONTROL_CHANNEL, message)
        except redis.RedisError as exc:
            log.warning("control message not broadcast (%s)", type(exc).__name__)

    # -- subscribing ------------------------------------------------------------------------

    @contextmanager
    def subscribe(self, *addresses: str) -> Iterator[Subscription]:
        self._ensure_reader()
        with self._local.subscribe(*addresses) as sub:
            for address in addresses:
                self._ensure_channel(_channel(address))
            yield sub

    def _ensure_channel(self, name: str) -> None:
        if not self._up.wait(SUBSCRIBE_TIMEOUT):
            raise BrokerUnavailable("Redis is unreachable: no event subscription possible")
        with self._lock:
            channel = self._channels.get(name)
            if channel is None:
                channel = self._channels[name] = _Channel()
                channel.sent += 1
                try:
                    self._pubsub.subscribe(name)
                except (redis.RedisError, AttributeError, OSError) as exc:
                    del self._channels[name]
                    raise BrokerUnavailable(f"Redis refused the subscription: {exc}") from None
        if not channel.event.wait(SUBSCRIBE_TIMEOUT):
            raise BrokerUnavailable("Redis did not confirm the subscription in time")

    def _channel_unwanted(self, address: str) -> None:
        name = _channel(address)
        with self._lock:
            # A new local stream may have come since: it keeps the channel.
            if self._local.has_subscribers(address) or self._channels.pop(name, None) is None:
                return
            # On failure the connection is going down; the reader resets everything.
            with suppress(redis.RedisError, AttributeError, OSError):
                self._pubsub.unsubscribe(name)

    # -- the reader -------------------------------------------------------------------------

    def _ensure_reader(self) -> None:
        if self._reader is not None:
            return
        with self._lock:
            if self._reader is None:
                self._reader = threading.Thread(
                    target=self._read_forever, name="idp-redis-broker", daemon=True
                )
                self._reader.start()

    def start(self) -> None:
        """Start the reader now (it also starts with the first subscription)."""
        self._ensure_reader()

    def _connect(self) -> None:
        pubsub = self._client.pubsub(ignore_subscribe_messages=False)
        pubsub.subscribe(CONTROL_CHANNEL)
        self._pubsub = pubsub
        # Wait for the control channel's confirmation: the connection works.
        deadline = time.monotonic() + SUBSCRIBE_TIMEOUT
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=READ_TIMEOUT)
            if message and message.get("type") == "subscribe":
                self._up.set()
                return
        raise redis.ConnectionError("no confirmation of the control subscription")

    def _read_forever(self) -> None:
        backoff = 0.2
        while not self._stopped.is_set():
            try:
                if not self._up.is_set():
                    self._connect()
                    backoff = 0.2
                    log.info("event broker connected to Redis")
                message = self._pubsub.get_message(timeout=READ_TIMEOUT)
                if message:
                    self._dispatch(message)
            except (redis.RedisError, OSError, AttributeError) as exc:
                self._reset(exc)
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        channel = _text(message.get("channel"))
        if kind == "subscribe":
            with self._lock:
                state = self._channels.get(channel)
                if state is not None:
                    state.acked += 1
                    if state.acked >= state.sent:
                        state.event.set()
        elif kind == "message" and channel == CONTROL_CHANNEL:
            if self._control_handler is not None:
                self._control_handler(_text(message.get("data")))
        elif kind == "message" and (address := _address(channel)) is not None:
            try:
                hint = ChallengeHint.from_json(_text(message.get("data")))
            except ProtocolError:
                log.warning("dropped a malformed event on %s", channel)
                return
            self._local.publish([(address, hint)])

    def _reset(self, exc: BaseException) -> None:
        was_up = self._up.is_set()
        self._up.clear()
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with suppress(redis.RedisError, OSError):
                pubsub.close()
        with self._lock:
            self._channels.clear()
        if was_up:
            log.warning("event broker lost Redis (%s); streams will reconnect", type(exc).__name__)
        # Streams end, devices reconnect (subscribing anew) and catch up from pending.
        self._local.lose_all()

    def close(self) -> None:
        self._stopped.set()
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with suppress(redis.RedisError, OSError):
                pubsub.close()


def _channel(address: str) -> str:
    if address.startswith(USER_PREFIX):
        return USER_CHANNEL_PREFIX + address[len(USER_PREFIX) :]
    return PREFIX + address


def _address(channel: str) -> str | None:
    if channel.startswith(PREFIX):
        return channel[len(PREFIX) :]
    if channel.startswith(USER_CHANNEL_PREFIX):
        return USER_PREFIX + channel[len(USER_CHANNEL_PREFIX) :]
    return None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value or "")
