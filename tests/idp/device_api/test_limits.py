"""Request-level guards of the device API: every refusal is the API's JSON error body."""

from __future__ import annotations

import io

import pytest
from flask import Flask

from idp.device_api.limits import MAX_AUTHORIZATION_BYTES, MAX_HEADER_BYTES
from tests.idp.device_api.device import ProtocolDevice

ENROLL = "/realms/jasmin/api/device/v1/enroll"
JSON = {"Content-Type": "application/json"}


def _post(app: Flask, path: str, data: bytes, **headers: str) -> tuple[int, dict[str, object]]:
    resp = app.test_client().post(path, data=data, headers={**JSON, **headers})
    assert resp.is_json, resp.data[:200]
    return resp.status_code, resp.get_json()


def test_deep_nesting_is_a_400_not_a_500(app: Flask) -> None:
    # About 2 KB of nested JSON used to raise RecursionError, unauthenticated.
    body = ('{"a":' * 1100 + "1" + "}" * 1100).encode()
    status, error = _post(app, ENROLL, body)
    assert (status, error["error"]) == (400, "message_malformed")
    assert "nested deeper" in str(error["message"])


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"request": "a.b.c", "request": "x.y.z"}', "duplicate member"),
        (b'{"request": NaN}', "NaN"),
        (b'["request"]', "must be a JSON object"),
        (b'{"request": "a.b.c"', "not valid JSON"),
    ],
)
def test_bodies_are_strict_json(app: Flask, body: bytes, why: str) -> None:
    status, error = _post(app, ENROLL, body)
    assert (status, error["error"]) == (400, "message_malformed")
    assert why in str(error["message"])


def test_duplicate_members_are_refused_on_decisions_too(device: ProtocolDevice) -> None:
    path = device.api_path + "/decisions"
    resp = device.client.post(
        path,
        data=b'{"decision": "a.b.c", "decision": "d.e.f"}',
        headers={**JSON, **device.auth("POST", path)},
    )
    assert (resp.status_code, resp.get_json()["error"]) == (400, "message_malformed")
    assert "duplicate member" in resp.get_json()["message"]


def test_a_body_must_say_it_is_json(app: Flask) -> None:
    status, error = _post(app, ENROLL, b'{"request": "a.b.c"}', **{"Content-Type": "text/plain"})
    assert (status, error["error"]) == (400, "message_malformed")
    assert "application/json" in str(error["message"])


def test_a_chunked_body_over_the_limit_is_a_413(app: Flask) -> None:
    resp = app.test_client().post(
        ENROLL,
        input_stream=io.BytesIO(b" " * 10_000_000),
        headers={**JSON, "Transfer-Encoding": "chunked"},
        # As gunicorn says of its chunked input (werkzeug reads nothing otherwise).
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert (resp.status_code, resp.get_json()["error"]) == (413, "message_too_large")


def test_a_declared_body_over_the_limit_is_a_413(app: Flask) -> None:
    status, error = _post(app, ENROLL, b" " * 70_000)
    assert (status, error["error"]) == (413, "message_too_large")


def test_an_oversized_header_is_a_json_431(app: Flask) -> None:
    resp = app.test_client().get(
        "/realms/jasmin/api/device/v1/jwks", headers={"X-Padding": "a" * MAX_HEADER_BYTES}
    )
    assert (resp.status_code, resp.get_json()["error"]) == (431, "http_431")
    assert "X-Padding" in resp.get_json()["message"]


def test_authorization_may_carry_a_whole_token(device: ProtocolDevice) -> None:
    path = device.api_path + "/pending"
    token = "Device " + "a" * (MAX_AUTHORIZATION_BYTES - len("Authorization: Device  "))
    resp = device.client.get(path, headers={"Authorization": token})
    assert resp.status_code != 431
    resp = device.client.get(path, headers={"Authorization": token + "a" * 20})
    assert (resp.status_code, resp.get_json()["error"]) == (431, "http_431")


def test_a_bad_device_token_says_why_in_www_authenticate(device: ProtocolDevice) -> None:
    path = device.api_path + "/pending"
    headers = device.auth("GET", device.api_path + "/events")
    resp = device.client.get(path, headers=headers)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == 'Device realm="jasmin", error="token_wrong_request"'


@pytest.mark.parametrize("wait", ["abc", "31", "-1", "+5", " 5", "1.5", "٣", ""])
def test_wait_must_be_0_to_30_seconds(device: ProtocolDevice, wait: str) -> None:
    path = device.api_path + "/pending"
    resp = device.client.get(path, query_string={"wait": wait}, headers=device.auth("GET", path))
    assert (resp.status_code, resp.get_json()["error"]) == (400, "message_malformed")


def test_wait_zero_answers_at_once(device: ProtocolDevice) -> None:
    path = device.api_path + "/pending"
    resp = device.client.get(path, query_string={"wait": "0"}, headers=device.auth("GET", path))
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/pending", {"GET", "HEAD", "OPTIONS"}),
        ("GET", "/enroll", {"POST", "OPTIONS"}),
        ("POST", "/device", {"DELETE", "OPTIONS"}),
    ],
)
def test_405_names_the_allowed_methods(
    app: Flask, method: str, path: str, allowed: set[str]
) -> None:
    resp = app.test_client().open("/realms/jasmin/api/device/v1" + path, method=method)
    assert resp.status_code == 405
    assert set(resp.headers["Allow"].split(", ")) == allowed
    assert resp.get_json()["error"] == "http_405"


def test_options_needs_no_device_token(app: Flask) -> None:
    resp = app.test_client().options("/realms/jasmin/api/device/v1/pending")
    assert resp.status_code == 200
    assert "GET" in resp.headers["Allow"]
