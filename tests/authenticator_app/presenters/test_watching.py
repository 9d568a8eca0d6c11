"""The threaded watch against the fake IdP: events are delivered on the watch thread, stop()
ends that thread (and its SSE readers), and a fatal refusal ends it with the error."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from authenticator_app.core.accounts import Account
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.errors import IdpUnreachable
from authenticator_app.core.idp_errors import DeviceRevoked
from authenticator_app.core.push_service import PushService
from authenticator_app.core.vault import Vault
from authenticator_app.core.watcher import ChallengeArrived, ChallengeDropped, ConnectionChanged
from authenticator_app.presenters.watching import (
    ThreadedWatch,
    WatchEnded,
    WatchHandle,
    threaded_launcher,
)
from tests.authenticator_app.fake_idp import FakeIdp

FAST = {"read_timeout": 2, "backoff_initial": 0.05, "backoff_max": 0.2, "tick": 0.1}
WAIT = 5.0


@dataclass
class Delivered:
    """What ``deliver`` was given, and on which threads."""

    events: queue.Queue[Any] = field(default_factory=queue.Queue)
    threads: set[threading.Thread] = field(default_factory=set)

    def __call__(self, event: Any) -> None:
        self.threads.add(threading.current_thread())
        self.events.put(event)

    def next(self, kind: type[Any], *, timeout: float = WAIT) -> Any:
        """The next event of ``kind`` (others before it are skipped)."""
        while True:
            event = self.events.get(timeout=timeout)
            if isinstance(event, kind):
                return event
            if isinstance(event, WatchEnded) and kind is not WatchEnded:
                raise AssertionError(f"the watch ended while waiting for {kind}: {event}")

    @property
    def thread(self) -> threading.Thread:
        (thread,) = self.threads
        return thread


@dataclass
class Launched:
    factory_calls: int = 0
    handles: list[WatchHandle] = field(default_factory=list)


@pytest.fixture
def launched() -> Iterator[Launched]:
    record = Launched()
    yield record
    for handle in record.handles:
        handle.stop()


def launch(
    vault: Vault, clock: FixedClock, accounts: list[Account], record: Launched, **options: Any
) -> tuple[WatchHandle, Delivered]:
    def new_service() -> PushService:
        record.factory_calls += 1
        return PushService(vault, clock=clock, timeout=5)

    launcher = threaded_launcher(new_service, **{**FAST, **options})
    delivered = Delivered()
    handle = launcher(accounts, delivered)
    record.handles.append(handle)
    return handle, delivered


def eventually(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def sse_threads(account: Account) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"sse-{account.id}" and t.is_alive()]


def test_events_are_delivered_on_the_watch_thread_and_stop_ends_it(
    vault: Vault,
    live_clock: FixedClock,
    enrolled: Account,
    timed_idp: FakeIdp,
    launched: Launched,
) -> None:
    handle, delivered = launch(vault, live_clock, [enrolled], launched)
    assert isinstance(handle, ThreadedWatch)
    assert launched.factory_calls == 1  # each watch has its own service (its own sessions)

    connected = delivered.next(ConnectionChanged)
    assert (connected.account_id, connected.connected, connected.error) == (
        enrolled.id,
        True,
        None,
    )
    first = timed_idp.create_challenge(number=42)
    arrived = delivered.next(ChallengeArrived)
    assert arrived.pending.challenge.challenge_id == first.id
    assert arrived.pending.account.id == enrolled.id

    second = timed_idp.create_challenge(number=17)  # supersedes the first
    dropped = delivered.next(ChallengeDropped)
    assert (dropped.dropped.challenge_id, dropped.dropped.reason) == (first.id, "superseded")
    assert delivered.next(ChallengeArrived).pending.challenge.challenge_id == second.id

    thread = delivered.thread
    assert thread.name == "push-watch"
    assert thread is not threading.main_thread()
    assert thread.daemon
    assert thread.is_alive()
    assert sse_threads(enrolled)

    handle.stop()
    assert delivered.next(WatchEnded) == WatchEnded(None)  # asked to stop: no error
    thread.join(WAIT)
    assert not thread.is_alive()
    assert eventually(lambda: not sse_threads(enrolled)), sse_threads(enrolled)
    assert delivered.events.empty()  # nothing after the end


def test_a_revoked_device_ends_the_watch_with_the_error(
    vault: Vault,
    live_clock: FixedClock,
    enrolled: Account,
    timed_idp: FakeIdp,
    launched: Launched,
) -> None:
    assert enrolled.push is not None
    timed_idp.devices[enrolled.push.device_id].revoked = True
    _handle, delivered = launch(vault, live_clock, [enrolled], launched)
    ended = delivered.next(WatchEnded)
    assert isinstance(ended.error, DeviceRevoked)
    assert ended.error.code == "device_revoked"
    delivered.thread.join(WAIT)
    assert not delivered.thread.is_alive()  # it ended by itself


def test_an_idp_that_goes_down_is_reported_and_the_watch_goes_on(
    vault: Vault,
    live_clock: FixedClock,
    enrolled: Account,
    timed_idp: FakeIdp,
    launched: Launched,
) -> None:
    handle, delivered = launch(vault, live_clock, [enrolled], launched)
    assert delivered.next(ConnectionChanged).connected
    timed_idp.stop()
    while True:
        lost = delivered.next(ConnectionChanged)
        assert not lost.connected
        if lost.error is not None:
            break
    assert isinstance(lost.error, IdpUnreachable)
    assert lost.retry_in is not None
    assert 0 < lost.retry_in <= 0.2
    assert delivered.thread.is_alive()  # not fatal: it keeps retrying
    handle.stop()
    assert delivered.next(WatchEnded) == WatchEnded(None)
    delivered.thread.join(WAIT)
    assert not delivered.thread.is_alive()


def test_every_launch_is_a_new_thread_and_service(
    vault: Vault,
    live_clock: FixedClock,
    enrolled: Account,
    timed_idp: FakeIdp,
    launched: Launched,
) -> None:
    first, first_delivered = launch(vault, live_clock, [enrolled], launched)
    first_delivered.next(ConnectionChanged)
    first.stop()
    first_delivered.next(WatchEnded)
    second, second_delivered = launch(vault, live_clock, [enrolled], launched)
    assert second_delivered.next(ConnectionChanged).connected
    assert launched.factory_calls == 2
    assert second_delivered.thread is not first_delivered.thread
    assert timed_idp.sse_connections == 2
    second.stop()
    second_delivered.next(WatchEnded)
