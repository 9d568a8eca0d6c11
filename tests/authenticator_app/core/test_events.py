from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pytest

from authenticator_app.core.accounts import Account
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.device_client import DeviceClient
from authenticator_app.core.errors import IdpUnreachable
from authenticator_app.core.events import (
    HintStream,
    StreamConnected,
    StreamEvent,
    StreamHeartbeat,
    StreamHint,
    StreamLost,
)
from authenticator_app.core.idp_errors import DeviceRevoked
from tests.authenticator_app.fake_idp import FakeIdp


class Reader:
    """Iterates a stream in a thread; the test pulls events with a timeout."""

    def __init__(self, stream: HintStream) -> None:
        self.stream = stream
        self.events: queue.Queue[StreamEvent | BaseException] = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for event in self.stream:
                self.events.put(event)
        except BaseException as exc:
            self.events.put(exc)

    def next(self, kind: type[object], timeout: float = 5) -> object:
        while True:
            item = self.events.get(timeout=timeout)
            if isinstance(item, BaseException) and not isinstance(item, kind):
                raise item
            if isinstance(item, kind):
                return item


@pytest.fixture
def stream(enrolled: Account, live_clock: FixedClock) -> Iterator[HintStream]:
    assert enrolled.push is not None
    client = DeviceClient(enrolled.push, clock=live_clock, timeout=5)
    hint_stream = HintStream(
        enrolled.id, client, read_timeout=2, backoff_initial=0.05, backoff_max=0.2
    )
    yield hint_stream
    hint_stream.close()


def test_connect_heartbeat_and_hint(stream: HintStream, timed_idp: FakeIdp) -> None:
    reader = Reader(stream)
    reader.next(StreamConnected)
    reader.next(StreamHeartbeat)
    created = timed_idp.create_challenge()
    hint = reader.next(StreamHint)
    assert isinstance(hint, StreamHint)
    assert (hint.hint.challenge_id, hint.hint.event) == (created.id, "challenge")


def test_a_dropped_connection_reconnects(stream: HintStream, timed_idp: FakeIdp) -> None:
    reader = Reader(stream)
    reader.next(StreamConnected)
    timed_idp.sse_drop_after = 0
    timed_idp.create_challenge()  # its hint is lost with the connection
    lost = reader.next(StreamLost)
    assert isinstance(lost, StreamLost)
    assert isinstance(lost.error, IdpUnreachable)
    reader.next(StreamConnected)  # the consumer now catches up from pending
    assert timed_idp.sse_connections == 2


def test_a_silent_connection_times_out_and_reconnects(
    stream: HintStream, timed_idp: FakeIdp
) -> None:
    timed_idp.heartbeat = 60  # no pings: the 2 s read timeout must notice
    stream.read_timeout = 0.5
    reader = Reader(stream)
    reader.next(StreamConnected)
    reader.next(StreamLost)
    reader.next(StreamConnected)


def test_revoked_device_ends_the_stream(
    stream: HintStream, timed_idp: FakeIdp, enrolled: Account
) -> None:
    timed_idp.devices[enrolled.push.device_id].revoked = True  # type: ignore[union-attr]
    reader = Reader(stream)
    assert isinstance(reader.next(DeviceRevoked), DeviceRevoked)


def test_idp_down_backs_off_and_retries(stream: HintStream, timed_idp: FakeIdp) -> None:
    timed_idp.fail_next[("GET", "/events")] = (503, "html")
    reader = Reader(stream)
    lost = reader.next(StreamLost)
    assert isinstance(lost, StreamLost)
    assert lost.error is not None
    assert lost.error.code == "idp_unavailable"
    reader.next(StreamConnected)


def test_close_stops_the_iteration(stream: HintStream) -> None:
    reader = Reader(stream)
    reader.next(StreamConnected)
    stream.close()
    reader.thread.join(timeout=5)
    assert not reader.thread.is_alive()
