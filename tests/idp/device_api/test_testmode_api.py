"""Test-mode endpoints exist only in test mode and script push challenges."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.idp.device_api.device import ProtocolDevice


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"TEST_MODE": True}


def test_trigger_and_watch_a_challenge(app: Flask, device: ProtocolDevice) -> None:
    client = app.test_client()
    resp = client.post("/_dev/realms/jasmin/users/camille.martin/challenges", json={})
    assert resp.status_code == 201
    body = resp.get_json()
    [challenge] = device.pending()
    assert challenge.challenge_id == body["challenge_id"]
    device.decide(challenge, "approve", body["number"])
    status = client.get(f"/_dev/challenges/{body['challenge_id']}").get_json()
    assert status["status"] == "approved"


def test_trigger_without_device_and_bad_purpose(app: Flask) -> None:
    client = app.test_client()
    resp = client.post("/_dev/realms/jasmin/users/camille.martin/challenges", json={})
    assert resp.get_json()["error"] == "no_device"
    resp = client.post("/_dev/realms/jasmin/users/camille.martin/challenges", json={"purpose": "x"})
    assert resp.status_code == 400
    assert client.post("/_dev/realms/jasmin/users/ghost/challenges").status_code == 404


def test_the_status_long_poll_answers_when_the_device_decides(
    app: Flask, device: ProtocolDevice
) -> None:
    import threading
    import time

    client = app.test_client()
    body = client.post("/_dev/realms/jasmin/users/camille.martin/challenges", json={}).get_json()
    url = f"/_dev/challenges/{body['challenge_id']}"
    seen: dict[str, Any] = {}

    def wait() -> None:
        started = time.monotonic()
        seen["body"] = app.test_client().get(url + "?wait=10").get_json()
        seen["seconds"] = time.monotonic() - started

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)
    [challenge] = device.pending()
    device.decide(challenge, "deny")
    waiter.join(timeout=5)
    assert seen["body"] == {
        "challenge_id": body["challenge_id"],
        "status": "denied",
        "failure": None,
    }
    assert 0.25 < seen["seconds"] < 3
    assert client.get(url + "?wait=x").get_json()["error"] == "wait_invalid"
    assert client.get("/_dev/challenges/nope?wait=1").status_code == 404
