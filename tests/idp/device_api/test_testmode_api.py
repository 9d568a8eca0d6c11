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
