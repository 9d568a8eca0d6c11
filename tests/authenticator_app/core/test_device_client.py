from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import requests

from authenticator_app.core.accounts import Account
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.device_client import DeviceClient, error_from_response
from authenticator_app.core.errors import IdpResponseInvalid, IdpUnavailable, IdpUnreachable
from authenticator_app.core.idp_errors import DeviceRevoked, DeviceUnknown, IdpRefused
from shared.messages import PendingList
from tests.authenticator_app.factories import push_account
from tests.authenticator_app.fake_idp import FakeIdp


@pytest.fixture
def client(enrolled: Account, live_clock: FixedClock) -> DeviceClient:
    assert enrolled.push is not None
    return DeviceClient(enrolled.push, clock=live_clock, timeout=5)


def test_pending_empty(client: DeviceClient) -> None:
    assert client.pending() == []


def test_pending_lists_tokens(client: DeviceClient, timed_idp: FakeIdp) -> None:
    timed_idp.create_challenge()
    tokens = client.pending()
    assert len(tokens) == 1
    PendingList(challenges=tokens)


def test_long_poll_returns_when_a_challenge_arrives(
    client: DeviceClient, timed_idp: FakeIdp
) -> None:
    timer = threading.Timer(0.3, timed_idp.create_challenge)
    timer.start()
    started = time.monotonic()
    tokens = client.pending(wait=10)
    assert len(tokens) == 1
    assert time.monotonic() - started < 5
    assert timed_idp.requests[-1] == ("GET", "/pending")


def test_each_call_has_a_fresh_request_bound_token(
    client: DeviceClient, timed_idp: FakeIdp
) -> None:
    client.pending()
    client.pending()  # a replayed jti would be refused with token_replayed
    assert len(timed_idp.used_jti) >= 3  # enrollment + two calls


def test_unknown_device(timed_idp: FakeIdp, live_clock: FixedClock) -> None:
    stranger = push_account(timed_idp.realm, live_clock(), base_url=timed_idp.base_url)
    assert stranger.push is not None
    with pytest.raises(DeviceUnknown) as caught:
        DeviceClient(stranger.push, clock=live_clock).pending()
    assert caught.value.status == 401


def test_revoked_device(client: DeviceClient) -> None:
    client.unenroll()
    with pytest.raises(DeviceRevoked):
        client.pending()


def test_clock_skew_is_reported_by_code(client: DeviceClient, live_clock: FixedClock) -> None:
    client.clock = FixedClock(live_clock() + timedelta(minutes=10))
    with pytest.raises(IdpRefused) as caught:
        client.pending()
    assert caught.value.code == "message_not_yet_valid"
    assert "clock" in caught.value.message


def test_jwks(client: DeviceClient, timed_idp: FakeIdp) -> None:
    assert client.jwks() == timed_idp.realm.jwks


@pytest.mark.parametrize(("status", "error"), [(503, IdpUnavailable), (404, IdpResponseInvalid)])
def test_html_errors(
    client: DeviceClient, timed_idp: FakeIdp, status: int, error: type[Exception]
) -> None:
    timed_idp.fail_next[("GET", "/pending")] = (status, "html")
    with pytest.raises(error):
        client.pending()


def test_error_body_codes(client: DeviceClient, timed_idp: FakeIdp) -> None:
    timed_idp.fail_next[("GET", "/pending")] = (429, "push_rate_limited")
    with pytest.raises(IdpRefused) as caught:
        client.pending()
    assert (caught.value.code, caught.value.status) == ("push_rate_limited", 429)


def test_unreachable(enrolled: Account, timed_idp: FakeIdp, live_clock: FixedClock) -> None:
    assert enrolled.push is not None
    timed_idp.stop()
    with pytest.raises(IdpUnreachable):
        DeviceClient(enrolled.push, clock=live_clock, timeout=1).pending()


def test_events_must_be_an_event_stream(client: DeviceClient, timed_idp: FakeIdp) -> None:
    response = client.open_events(read_timeout=5)
    assert response.headers["Content-Type"] == "text/event-stream"
    response.close()


def test_error_from_response_without_body() -> None:
    response = requests.Response()
    response.status_code = 502
    response._content = b""
    assert isinstance(error_from_response(response), IdpUnavailable)


class _CannedSession(requests.Session):
    """Answers every request with one canned 200 body (the IdP side is what is under test)."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body

    def request(self, *args: object, **kwargs: object) -> requests.Response:  # type: ignore[override]
        response = requests.Response()
        response.status_code = 200
        response._content = self.body
        return response


@pytest.mark.parametrize(
    "body",
    [
        b'{"keys": [], "keys": []}',
        b'{"challenge_id": "abcdefgh", "status": "approved", "status": "denied"}',
        b'{"keys": ' + b"[" * 2000 + b"]" * 2000 + b"}",
    ],
    ids=["duplicate-keys", "duplicate-status", "deep-nesting"],
)
def test_idp_answers_are_read_strictly(
    enrolled: Account, live_clock: FixedClock, body: bytes
) -> None:
    assert enrolled.push is not None
    client = DeviceClient(enrolled.push, session=_CannedSession(body), clock=live_clock)
    with pytest.raises(IdpResponseInvalid):
        client.jwks()
    with pytest.raises(IdpResponseInvalid):
        client.decide("a.b.c")
