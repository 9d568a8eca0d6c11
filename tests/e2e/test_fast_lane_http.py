"""The machine fast lane (idp/web/fast_lane.py) behind a real ``idp serve`` (gunicorn + gevent).

The end-to-end servers run in test mode, where the trace inspector is on and the lane steps
aside; this module's server turns the trace off (``IDP_TRACE=0``), as production and the
benchmarks run, so the device's decision and test mode's trigger and status take the lane.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import LiveIdp, start_idp, stop_idp
from tests.idp.device_api.device import HttpClient, ProtocolDevice

TRIGGER = "/_dev/realms/jasmin/users/camille.martin/challenges"


@pytest.fixture(scope="module")
def lane_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveIdp]:
    live = start_idp(tmp_path_factory.mktemp("idp"), IDP_TRACE="0")
    yield live
    stop_idp(live)


@pytest.fixture(scope="module")
def device(lane_idp: LiveIdp) -> ProtocolDevice:
    uri = lane_idp.cli("device", "enroll-uri", "jasmin", "camille.martin").stdout.strip()
    dev = ProtocolDevice(HttpClient(lane_idp.url("")), datetime.now(UTC), base=lane_idp.url(""))
    assert dev.enroll(uri).status_code == 201
    return dev


def _trigger(live: LiveIdp) -> dict[str, object]:
    resp = requests.post(live.url(TRIGGER), json={}, timeout=10)
    assert resp.status_code == 201, resp.text
    answer: dict[str, object] = resp.json()
    return answer


def test_a_round_trip_through_the_lane(lane_idp: LiveIdp, device: ProtocolDevice) -> None:
    answer = _trigger(lane_idp)
    [challenge] = device.pending()
    assert challenge.challenge_id == answer["challenge_id"]
    decided = device.decide(challenge, "approve", answer["number"])
    assert decided.status_code == 200
    assert decided.get_json() == {"challenge_id": answer["challenge_id"], "status": "approved"}
    assert decided.headers["Cache-Control"] == "no-store"
    assert decided.headers["Content-Security-Policy"].startswith("default-src 'self'")
    status = requests.get(
        lane_idp.url(f"/_dev/challenges/{answer['challenge_id']}?wait=5"), timeout=10
    )
    assert status.json() == {
        "challenge_id": answer["challenge_id"],
        "status": "approved",
        "failure": None,
    }
    # Replayed: refused by Flask's error handler, through the lane.
    again = device.client.post(
        device.api_path + "/decisions",
        json={"decision": device.decision_token(challenge, "approve", answer["number"])},
    )
    assert again.status_code == 409
    assert again.get_json()["error"] == "challenge_already_decided"


def test_refusals_through_the_lane_are_the_apis(lane_idp: LiveIdp, device: ProtocolDevice) -> None:
    _trigger(lane_idp)
    [challenge] = device.pending()
    url = lane_idp.url(device.api_path + "/decisions")
    token = device.decision_token(challenge, "deny", None)
    long_header = requests.post(
        url, json={"decision": token}, headers={"X-Padding": "a" * 10_000}, timeout=10
    )
    assert (long_header.status_code, long_header.json()["error"]) == (431, "http_431")
    too_large = requests.post(url, json={"decision": "x" * 70_000}, timeout=10)
    assert (too_large.status_code, too_large.json()["error"]) == (413, "message_too_large")
    malformed = requests.post(
        url, data='{"decision": 1', headers={"Content-Type": "application/json"}, timeout=10
    )
    assert (malformed.status_code, malformed.json()["error"]) == (400, "message_malformed")
    chunked = requests.post(
        url,
        data=iter([json.dumps({"decision": token}).encode()]),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert chunked.status_code == 200, chunked.text  # handed to Flask, which reads chunks
    assert chunked.json()["status"] == "denied"


def test_a_client_that_leaves_mid_body_loses_nothing(
    lane_idp: LiveIdp, device: ProtocolDevice
) -> None:
    answer = _trigger(lane_idp)
    [challenge] = device.pending()
    body = json.dumps(
        {"decision": device.decision_token(challenge, "approve", answer["number"])}
    ).encode()
    host, port = urlsplit(lane_idp.url("")).hostname, urlsplit(lane_idp.url("")).port
    with socket.create_connection((host or "127.0.0.1", port or 80), timeout=10) as sock:
        head = (
            f"POST {device.api_path}/decisions HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode() + body[: len(body) // 2])
        sock.shutdown(socket.SHUT_WR)
        sock.recv(65536)  # whatever the server answers, if anything
    # The challenge is still pending: the half body decided nothing.
    [still] = device.pending()
    assert still.challenge_id == challenge.challenge_id
    assert device.decide(still, "approve", answer["number"]).status_code == 200
