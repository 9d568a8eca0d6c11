from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pytest

from authenticator_app.core.accounts import Account
from authenticator_app.core.idp_errors import DeviceRevoked
from authenticator_app.core.push_service import PushService
from authenticator_app.core.watcher import (
    ChallengeArrived,
    ChallengeDropped,
    ChallengeRefusedEvent,
    ConnectionChanged,
    Watcher,
    WatchEvent,
)
from shared.keys import generate_private_key
from tests.authenticator_app.fake_idp import FakeIdp


class Running:
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.events: queue.Queue[WatchEvent | BaseException] = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.watcher.run(self.events.put)
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
def running(service: PushService, enrolled: Account) -> Iterator[Running]:
    watcher = Watcher(
        service, [enrolled], read_timeout=2, backoff_initial=0.05, backoff_max=0.2, tick=0.1
    )
    run = Running(watcher)
    yield run
    watcher.stop()
    run.thread.join(timeout=5)


def test_catch_up_at_start(service: PushService, enrolled: Account, timed_idp: FakeIdp) -> None:
    created = timed_idp.create_challenge()
    watcher = Watcher(service, [enrolled], tick=0.1)
    run = Running(watcher)
    try:
        arrived = run.next(ChallengeArrived)
        assert isinstance(arrived, ChallengeArrived)
        assert arrived.pending.challenge.challenge_id == created.id
    finally:
        watcher.stop()


def test_new_challenge_then_superseded(running: Running, timed_idp: FakeIdp) -> None:
    running.next(ConnectionChanged)
    first = timed_idp.create_challenge()
    arrived = running.next(ChallengeArrived)
    assert isinstance(arrived, ChallengeArrived)
    assert arrived.pending.challenge.challenge_id == first.id
    second = timed_idp.create_challenge()
    dropped = running.next(ChallengeDropped)
    assert isinstance(dropped, ChallengeDropped)
    assert (dropped.dropped.challenge_id, dropped.dropped.reason) == (first.id, "superseded")
    arrived = running.next(ChallengeArrived)
    assert isinstance(arrived, ChallengeArrived)
    assert arrived.pending.challenge.challenge_id == second.id


def test_decided_elsewhere_is_dropped(running: Running, timed_idp: FakeIdp) -> None:
    running.next(ConnectionChanged)
    created = timed_idp.create_challenge()
    running.next(ChallengeArrived)
    from shared.messages import ChallengeHint

    timed_idp.hint(created.user, ChallengeHint(challenge_id=created.id, event="decided"))
    dropped = running.next(ChallengeDropped)
    assert isinstance(dropped, ChallengeDropped)
    assert dropped.dropped.reason == "decided"


def test_a_challenge_sent_during_a_drop_is_caught_up(running: Running, timed_idp: FakeIdp) -> None:
    running.next(ConnectionChanged)
    timed_idp.sse_drop_after = 0
    created = timed_idp.create_challenge()  # the hint dies with the connection
    arrived = running.next(ChallengeArrived)
    assert isinstance(arrived, ChallengeArrived)
    assert arrived.pending.challenge.challenge_id == created.id


def test_a_forged_challenge_in_an_event_is_reported(
    running: Running, timed_idp: FakeIdp, enrolled: Account
) -> None:
    from shared.messages import ChallengeHint

    running.next(ConnectionChanged)
    forged, claims = timed_idp.realm.challenge(
        timed_idp.clock(),
        device_id=enrolled.push.device_id,  # type: ignore[union-attr]
        key=generate_private_key(),
    )
    timed_idp.hint(
        "alice.martin",
        ChallengeHint(challenge_id=claims.challenge_id, event="challenge", challenge=forged),
    )
    refused = running.next(ChallengeRefusedEvent)
    assert isinstance(refused, ChallengeRefusedEvent)
    assert refused.refusal.code == "challenge_signature_invalid"


def test_a_forged_challenge_in_the_catch_up_is_reported(
    service: PushService, timed_idp: FakeIdp, enrolled: Account
) -> None:
    forged, _ = timed_idp.realm.challenge(
        timed_idp.clock(),
        device_id=enrolled.push.device_id,  # type: ignore[union-attr]
        key=generate_private_key(),
    )
    timed_idp.extra_tokens.append(forged)  # served by ``pending`` before the watch starts
    watcher = Watcher(service, [enrolled], tick=0.1)
    run = Running(watcher)
    try:
        refused = run.next(ChallengeRefusedEvent)
        assert isinstance(refused, ChallengeRefusedEvent)
        assert refused.refusal.code == "challenge_signature_invalid"
    finally:
        watcher.stop()
        run.thread.join(timeout=5)


def test_revoked_device_ends_the_watch(
    running: Running, timed_idp: FakeIdp, enrolled: Account
) -> None:
    running.next(ConnectionChanged)
    timed_idp.devices[enrolled.push.device_id].revoked = True  # type: ignore[union-attr]
    timed_idp.sse_drop_after = 0
    timed_idp.create_challenge()
    assert isinstance(running.next(DeviceRevoked), DeviceRevoked)


def test_status_lines() -> None:
    from authenticator_app.core.errors import IdpUnreachable
    from authenticator_app.core.watcher import WatchProblem, status_line

    assert status_line(ConnectionChanged("a", True), "X:y") == "listening for X:y"
    lost = ConnectionChanged("a", False, IdpUnreachable("down"), 2.0)
    assert status_line(lost, "X:y") == "connection for X:y lost [idp_unreachable]; retrying in 2 s"
    ended = ConnectionChanged("a", False, None, 0.5)
    assert status_line(ended, "X:y") == "stream for X:y ended; reconnecting in 0.5 s"
    problem = WatchProblem("a", IdpUnreachable("down"))
    assert status_line(problem, "X:y") == (
        "warning [idp_unreachable]: the IdP cannot be reached (X:y)"
    )


def test_a_catch_up_5xx_is_retried_and_said(
    service: PushService, enrolled: Account, timed_idp: FakeIdp
) -> None:
    from authenticator_app.core.watcher import WatchProblem, status_line

    service.retry_delays = (0.05,)
    created = timed_idp.create_challenge()
    timed_idp.fail_next[("GET", "/pending")] = (503, "idp_unavailable")
    watcher = Watcher(service, [enrolled], tick=0.1)
    run = Running(watcher)
    try:
        problem = run.next(WatchProblem)
        assert isinstance(problem, WatchProblem)
        assert (problem.error.code, problem.retry_in) == ("idp_unavailable", 0.05)
        assert status_line(problem, "X:y").endswith("(X:y); trying again in 0.05 s")
        back = run.next(ConnectionChanged)
        assert isinstance(back, ConnectionChanged)
        assert back.connected  # the retry worked: no longer shown as a problem
        arrived = run.next(ChallengeArrived)
        assert isinstance(arrived, ChallengeArrived)
        assert arrived.pending.challenge.challenge_id == created.id
    finally:
        watcher.stop()
        run.thread.join(timeout=5)
    assert service.on_retry is None  # given back when the watch ends
