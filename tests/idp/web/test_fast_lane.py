"""The machine fast lane answers exactly as Flask does (idp/web/fast_lane.py).

Every call is sent twice: through the app (the lane in front) and through Flask's own
``wsgi_app`` (the lane's ``inner``). The answers must match: status, headers and body. A spy on
``inner`` tells which calls the lane answered itself and which it handed to Flask.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.test import Client, EnvironBuilder, TestResponse, run_wsgi_app

from idp import create_app
from idp.push import challenges
from idp.web.fast_lane import FastLane
from shared.identifiers import new_nonce
from shared.messages import PushChallenge
from shared.timing import unix_time
from tests.idp.conftest import make_config
from tests.idp.device_api.device import ProtocolDevice

TRIGGER = "/_dev/realms/jasmin/users/camille.martin/challenges"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"TEST_MODE": True, "TRACE": False}


@dataclass
class Sides:
    """The same app seen through the lane and through Flask alone."""

    lane: FastLane
    via_lane: Client
    via_flask: Client
    handed_over: list[str]

    def both(self, method: str, path: str, **kwargs: Any) -> tuple[TestResponse, TestResponse]:
        return (
            self.via_lane.open(path, method=method, **kwargs),
            self.via_flask.open(path, method=method, **kwargs),
        )


@pytest.fixture
def sides(app: Flask) -> Iterator[Sides]:
    lane = app.wsgi_app
    assert isinstance(lane, FastLane)
    flask_only = lane.inner
    handed_over: list[str] = []

    def spy(environ: Any, start_response: Any) -> Any:
        handed_over.append(environ["PATH_INFO"])
        return flask_only(environ, start_response)

    lane.inner = spy
    yield Sides(lane, Client(app), Client(flask_only), handed_over)
    lane.inner = flask_only


def same(a: TestResponse, b: TestResponse, *, ignore: tuple[str, ...] = ()) -> None:
    """Same status, same headers (in order), same body (but the ``ignore`` members)."""
    assert a.status == b.status
    assert list(a.headers.items()) == list(b.headers.items()) or _same_but_length(a, b, ignore)
    if ignore:
        left, right = a.get_json(), b.get_json()
        for key in ignore:
            assert (key in left) == (key in right)
            left.pop(key, None)
            right.pop(key, None)
        assert left == right
    else:
        assert a.get_data() == b.get_data()


def _same_but_length(a: TestResponse, b: TestResponse, ignore: tuple[str, ...]) -> bool:
    """Bodies that differ in ignored members may differ in length (a number's digits)."""
    strip = [(k, v) for k, v in a.headers.items() if k != "Content-Length"]
    return bool(ignore) and strip == [(k, v) for k, v in b.headers.items() if k != "Content-Length"]


def trigger(client: Client, **body: Any) -> dict[str, Any]:
    resp = client.post(TRIGGER, json=body)
    assert resp.status_code == 201, resp.get_json()
    answer: dict[str, Any] = resp.get_json()
    return answer


def decision_body(device: ProtocolDevice, challenge: PushChallenge, *args: Any, **kw: Any) -> Any:
    return {"json": {"decision": device.decision_token(challenge, *args, **kw)}}


def decisions_path(device: ProtocolDevice) -> str:
    return device.api_path + "/decisions"


# -- where the lane stands -------------------------------------------------------------------


def test_the_lane_is_in_front_unless_traced_or_turned_off(tmp_path: Any) -> None:
    def wsgi(**extra: Any) -> Any:
        return create_app(make_config(tmp_path / "idp.sqlite3", **extra)).wsgi_app

    assert isinstance(wsgi(TEST_MODE=True, TRACE=False), FastLane)
    assert isinstance(wsgi(), FastLane)  # production: the device decision
    assert not isinstance(wsgi(TEST_MODE=True), FastLane)  # the trace inspector watches
    assert not isinstance(wsgi(FAST_LANE="0"), FastLane)
    behind_proxy = wsgi(PROXY_COUNT=1)
    assert isinstance(behind_proxy, ProxyFix)
    assert isinstance(behind_proxy.app, FastLane)  # the lane sees the client's address


def test_the_lane_knows_only_its_routes(sides: Sides) -> None:
    for method, path in [
        ("GET", "/"),
        ("GET", "/realms/jasmin/api/device/v1/decisions"),
        ("POST", "/realms/jasmin/api/device/v1/decisions/"),
        ("POST", "/realms//api/device/v1/decisions"),
        ("POST", "/realms/jasmín/api/device/v1/decisions"),
        ("HEAD", "/_dev/challenges/abc"),
    ]:
        lane, flask = sides.both(method, path)
        same(lane, flask)
    assert len(sides.handed_over) == 6  # the lane's side: every one handed to Flask


# -- the device decision ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "number"),
    [("approve", "shown"), ("approve", "wrong"), ("deny", None), ("report", None)],
)
def test_a_decision_is_answered_as_flask_answers_it(
    sides: Sides, device: ProtocolDevice, decision: str, number: str | None
) -> None:
    answers = []
    for client in (sides.via_flask, sides.via_lane):
        shown = trigger(client)["number"]
        [challenge] = device.pending()
        value = {"shown": shown, "wrong": 10 + (shown - 9) % 90, None: None}[number]
        body = decision_body(device, challenge, decision, value)
        sides.handed_over.clear()
        answers.append(client.post(decisions_path(device), **body))
    via_flask, via_lane = answers
    same(via_lane, via_flask, ignore=("challenge_id",))
    assert via_lane.status_code == (422 if number == "wrong" else 200)
    assert sides.handed_over == []


def test_a_replayed_decision_is_refused_alike(sides: Sides, device: ProtocolDevice) -> None:
    number = trigger(sides.via_lane)["number"]
    [challenge] = device.pending()
    body = decision_body(device, challenge, "approve", number)
    assert sides.via_lane.post(decisions_path(device), **body).status_code == 200
    sides.handed_over.clear()
    lane, flask = sides.both("POST", decisions_path(device), **body)
    assert lane.status_code == 401
    assert lane.get_json()["error"] == "token_replayed"
    same(lane, flask)
    assert sides.handed_over == []  # the lane refused it itself


def _forged(device: ProtocolDevice, challenge: PushChallenge) -> Any:
    token = device.decision_token(challenge, "deny", None)
    head, claims, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return {"json": {"decision": f"{head}.{claims}.{flipped}"}}


WORKED_BY_THE_LANE: dict[str, Callable[[ProtocolDevice, PushChallenge], Any]] = {
    "forged": _forged,
    "expired": lambda d, c: decision_body(
        d,
        c,
        "deny",
        None,
        iat=unix_time(d.now - timedelta(minutes=10)),
        exp=unix_time(d.now - timedelta(minutes=9)),
    ),
    "other challenge": lambda d, c: decision_body(d, c, "deny", None, challenge_id="x" * 16),
    "wrong nonce": lambda d, c: decision_body(d, c, "deny", None, nonce=new_nonce()),
    "no number": lambda d, c: decision_body(d, c, "approve", None),
}
HANDED_TO_FLASK: dict[str, Callable[[ProtocolDevice, PushChallenge], Any]] = {
    "not JSON": lambda d, c: {"data": b"decision=x", "content_type": "text/plain"},
    "bad JSON": lambda d, c: {"data": b'{"decision": "x",}', "content_type": "application/json"},
    "duplicate member": lambda d, c: {
        "data": b'{"decision": "a", "decision": "b"}',
        "content_type": "application/json",
    },
    "no decision": lambda d, c: {"json": {"verdict": "x"}},
    "empty decision": lambda d, c: {"json": {"decision": ""}},
    "array": lambda d, c: {"json": ["x"]},
    "too large": lambda d, c: {"json": {"decision": "x" * 70_000}},
    "no body": lambda d, c: {},
    "query string": lambda d, c: {**decision_body(d, c, "deny", None), "query_string": "wait=99"},
    "long header": lambda d, c: {
        **decision_body(d, c, "deny", None),
        "headers": {"X-Big": "b" * 9000},
    },
}


@pytest.mark.parametrize("case", list(WORKED_BY_THE_LANE) + list(HANDED_TO_FLASK))
def test_a_bad_decision_is_refused_alike(sides: Sides, device: ProtocolDevice, case: str) -> None:
    trigger(sides.via_lane)
    [challenge] = device.pending()
    build = WORKED_BY_THE_LANE.get(case) or HANDED_TO_FLASK[case]
    sides.handed_over.clear()
    # A token per side: a refused token is spent too (its jti), so the second would be a replay.
    lane, flask = (
        client.post(decisions_path(device), **build(device, challenge))
        for client in (sides.via_lane, sides.via_flask)
    )
    assert lane.status_code >= 400
    same(lane, flask)
    lane_took_it = case in WORKED_BY_THE_LANE
    assert len(sides.handed_over) == (0 if lane_took_it else 1), sides.handed_over
    # Nothing was decided by either refusal.
    assert [c.challenge_id for c in device.pending()] == [challenge.challenge_id]


def test_a_chunked_decision_goes_to_flask(sides: Sides, device: ProtocolDevice) -> None:
    number = trigger(sides.via_lane)["number"]
    [challenge] = device.pending()
    sides.handed_over.clear()
    body = json.dumps({"decision": device.decision_token(challenge, "approve", number)}).encode()
    environ = EnvironBuilder(
        path=decisions_path(device), method="POST", data=body, content_type="application/json"
    ).get_environ()
    del environ["CONTENT_LENGTH"]
    environ.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True})
    _iterable, status, _headers = run_wsgi_app(sides.lane, environ, buffered=True)
    assert status == "200 OK"
    assert sides.handed_over == [decisions_path(device)]


def test_an_unknown_realm_goes_to_flask(sides: Sides, device: ProtocolDevice) -> None:
    trigger(sides.via_lane)
    [challenge] = device.pending()
    body = decision_body(device, challenge, "deny", None)
    lane, flask = sides.both("POST", "/realms/nowhere/api/device/v1/decisions", **body)
    assert lane.status_code == 404
    assert lane.get_json()["error"] == "realm_unknown"
    same(lane, flask)


@pytest.mark.parametrize(
    ("failure", "status"),
    [(RuntimeError("boom"), 500), (OperationalError("UPDATE", {}, Exception("locked")), 503)],
)
def test_an_unexpected_failure_gets_flasks_answer(
    sides: Sides,
    device: ProtocolDevice,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    status: int,
) -> None:
    trigger(sides.via_lane)
    [challenge] = device.pending()

    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise failure

    monkeypatch.setattr(challenges, "decide", fail)
    answers = [
        client.post(decisions_path(device), **decision_body(device, challenge, "deny", None))
        for client in (sides.via_lane, sides.via_flask)
    ]
    assert answers[0].status_code == status
    assert "boom" not in answers[0].get_data(as_text=True)  # no detail to the client
    same(*answers)


# -- test mode's trigger and status --------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {}},
        {"json": {"purpose": "password_reset"}},
        {},  # no body: a sign-in
        {"data": b"purpose=x", "content_type": "text/plain"},  # not JSON: not read
        {"data": b"{nope", "content_type": "application/json"},  # bad JSON: as none
    ],
    ids=["empty", "reset", "no body", "not JSON", "bad JSON"],
)
def test_a_trigger_is_answered_as_flask_answers_it(
    sides: Sides, device: ProtocolDevice, kwargs: dict[str, Any]
) -> None:
    sides.handed_over.clear()
    lane, flask = sides.both("POST", TRIGGER, **kwargs)
    assert lane.status_code == 201, lane.get_json()
    same(lane, flask, ignore=("challenge_id", "number", "choices"))
    assert sides.handed_over == []


def test_a_bad_trigger_is_refused_alike(sides: Sides, device: ProtocolDevice) -> None:
    cases: list[tuple[str, dict[str, Any], int]] = [
        (TRIGGER, {"json": {"purpose": "x"}}, 400),
        ("/_dev/realms/jasmin/users/ghost/challenges", {"json": {}}, 404),
        ("/_dev/realms/nowhere/users/camille.martin/challenges", {"json": {}}, 404),
        (TRIGGER, {"json": {"purpose": "x" * 5000}}, 400),  # over the lane's 4 KiB: Flask's
    ]
    for path, kwargs, status in cases:
        lane, flask = sides.both("POST", path, **kwargs)
        assert lane.status_code == status
        same(lane, flask)


def test_the_push_cap_is_answered_alike(sides: Sides, device: ProtocolDevice) -> None:
    for _ in range(5):  # the realm's cap (max_challenges)
        trigger(sides.via_lane)
    lane, flask = sides.both("POST", TRIGGER, json={})
    assert lane.status_code == 429
    assert lane.get_json()["error"] == "push_rate_limited"
    same(lane, flask)


def test_a_status_is_answered_as_flask_answers_it(sides: Sides, device: ProtocolDevice) -> None:
    answer = trigger(sides.via_lane)
    path = f"/_dev/challenges/{answer['challenge_id']}"
    for query in ["", "wait=0", "wait=99", "wait=abc", "wait=1&x=2", "wait="]:
        lane, flask = sides.both("GET", path, query_string=query)
        same(lane, flask)
    lane, flask = sides.both("GET", "/_dev/challenges/unknown")
    assert lane.status_code == 404
    same(lane, flask)
    [challenge] = device.pending()
    device.decide(challenge, "approve", answer["number"])
    lane, flask = sides.both("GET", path, query_string="wait=5")
    assert lane.get_json()["status"] == "approved"
    same(lane, flask)
