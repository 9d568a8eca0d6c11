"""The long-poll behind the waiting pages: it answers as soon as the app answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.push.broker import BrokerUnavailable, LocalBroker, Subscription, user_address
from idp.push.waiting import (
    MAX_WAIT_SECONDS,
    Waited,
    WaitInvalid,
    parse_wait,
    wait_for_nothing,
    wait_while_pending,
)
from shared.messages import ChallengeHint
from tests.idp.device_api.device import ProtocolDevice
from tests.idp.device_api.test_challenges_api import _number, _start

STATUS = "/realms/jasmin/login/push/status"


def test_the_sign_in_status_answers_as_soon_as_the_app_approves(
    app: Flask, browser: FlaskClient, device: ProtocolDevice
) -> None:
    _start(browser)
    [challenge] = device.pending()
    answer: dict[str, object] = {}

    def wait() -> None:
        started = time.monotonic()
        answer["body"] = browser.get(STATUS + "?wait=10").get_json()
        answer["seconds"] = time.monotonic() - started

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)
    assert waiter.is_alive()  # still waiting: nothing was decided
    assert (
        device.decide(challenge, "approve", _number(app, challenge.challenge_id)).status_code == 200
    )
    waiter.join(timeout=5)
    assert answer["body"] == {"status": "approved"}
    assert 0.25 < float(answer["seconds"]) < 3  # type: ignore[arg-type]


def test_the_wait_ends_with_pending_when_nobody_answers(
    browser: FlaskClient, device: ProtocolDevice
) -> None:
    _start(browser)
    started = time.monotonic()
    assert browser.get(STATUS + "?wait=1").get_json() == {"status": "pending"}
    assert 0.9 < time.monotonic() - started < 3


@pytest.mark.parametrize("raw", ["abc", "26", "-1", "1.5", "1000", " 3"])
def test_a_bad_wait_is_refused(browser: FlaskClient, device: ProtocolDevice, raw: str) -> None:
    _start(browser)
    resp = browser.get(STATUS, query_string={"wait": raw})
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "wait_invalid"


def test_parse_wait() -> None:
    assert parse_wait(None) == 0
    assert parse_wait("") == 0
    assert parse_wait("0") == 0
    assert parse_wait(str(MAX_WAIT_SECONDS)) == MAX_WAIT_SECONDS
    with pytest.raises(WaitInvalid):
        parse_wait(str(MAX_WAIT_SECONDS + 1))


class _States:
    """A challenge's (status, expires_at) as the database would answer, changed by the test."""

    def __init__(self, expires_at: datetime) -> None:
        self.status = "pending"
        self.expires_at = expires_at
        self.reads = 0

    def read(self) -> Waited:
        self.reads += 1
        return Waited(self.status, self.expires_at)


def _wait(app: Flask, states: _States, broker: object, wait: float) -> tuple[str, float]:
    with app.app_context():
        started = time.monotonic()
        state = wait_while_pending(
            states.read,
            user_id=7,
            challenge_id="chl_wait_0001",
            broker=broker,  # type: ignore[arg-type]
            wait=wait,
            now=lambda: datetime.now(UTC),
        )
        return state.status, time.monotonic() - started


def test_events_for_other_challenges_do_not_end_the_wait(app: Flask) -> None:
    broker = LocalBroker()
    states = _States(datetime.now(UTC) + timedelta(minutes=1))

    def decide_later() -> None:
        time.sleep(0.2)
        broker.publish(
            [(user_address(7), ChallengeHint(challenge_id="chl_other", event="decided"))]
        )
        time.sleep(0.2)
        states.status = "denied"
        broker.publish(
            [(user_address(7), ChallengeHint(challenge_id="chl_wait_0001", event="decided"))]
        )

    threading.Thread(target=decide_later).start()
    status, seconds = _wait(app, states, broker, wait=5)
    assert status == "denied"
    assert 0.35 < seconds < 2


def test_the_wait_ends_when_the_challenge_expires(app: Flask) -> None:
    states = _States(datetime.now(UTC) + timedelta(seconds=0.3))
    original = states.read

    def read() -> Waited:
        if datetime.now(UTC) >= states.expires_at:
            states.status = "expired"
        return original()

    states.read = read  # type: ignore[method-assign]
    status, seconds = _wait(app, states, LocalBroker(), wait=5)
    assert status == "expired"
    assert 0.25 < seconds < 2


def test_an_unavailable_broker_answers_at_once(app: Flask) -> None:
    class Down(LocalBroker):
        @contextmanager
        def subscribe(self, *addresses: str) -> Iterator[Subscription]:
            raise BrokerUnavailable("Redis is down")
            yield Subscription()  # pragma: no cover

    states = _States(datetime.now(UTC) + timedelta(minutes=1))
    status, seconds = _wait(app, states, Down(), wait=5)
    assert (status, seconds < 1) == ("pending", True)


@pytest.mark.parametrize(("until_in", "wait"), [(0.3, 5.0), (60.0, 0.3)])
def test_a_decoy_waits_like_an_unanswered_notification(
    app: Flask, until_in: float, wait: float
) -> None:
    with app.app_context():
        started = time.monotonic()
        until = datetime.now(UTC) + timedelta(seconds=until_in)
        wait_for_nothing(until=until, wait=wait, now=lambda: datetime.now(UTC))
        assert 0.25 < time.monotonic() - started < 2
