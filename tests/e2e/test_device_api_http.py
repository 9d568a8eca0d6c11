"""The device API's refusals as a real ``idp serve`` (gunicorn) answers them, not only Flask.

gunicorn reads headers and chunked bodies before the app does: these are the cases where what
the test client shows and what a client on the network gets could differ.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests

from tests.e2e.conftest import LiveIdp

API = "/realms/jasmin/api/device/v1"


def _chunks(total: int, size: int = 65536) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b" " * size


def test_a_chunked_10_mb_body_is_a_json_413(live_idp: LiveIdp) -> None:
    resp = requests.post(
        live_idp.url(API + "/enroll"),
        data=_chunks(10_000_000),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert (resp.status_code, resp.json()["error"]) == (413, "message_too_large")


def test_deeply_nested_json_is_a_400(live_idp: LiveIdp) -> None:
    body = '{"a":' * 1100 + "1" + "}" * 1100
    resp = requests.post(
        live_idp.url(API + "/enroll"),
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert (resp.status_code, resp.json()["error"]) == (400, "message_malformed")


def test_an_oversized_header_is_the_apis_json_431(live_idp: LiveIdp) -> None:
    resp = requests.get(
        live_idp.url(API + "/jwks"), headers={"X-Padding": "a" * 10_000}, timeout=10
    )
    assert resp.status_code == 431
    assert resp.json()["error"] == "http_431"


def test_a_missing_device_token_is_a_401_with_a_challenge(live_idp: LiveIdp) -> None:
    resp = requests.get(live_idp.url(API + "/pending"), timeout=10)
    assert (resp.status_code, resp.json()["error"]) == (401, "device_auth_required")
    assert resp.headers["WWW-Authenticate"] == 'Device realm="jasmin"'


def test_405_carries_allow(live_idp: LiveIdp) -> None:
    resp = requests.put(live_idp.url(API + "/pending"), timeout=10)
    assert resp.status_code == 405
    assert set(resp.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert resp.json()["error"] == "http_405"
