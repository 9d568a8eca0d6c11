"""A dependency that is down gives a clear 503 (page or API body), never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import free_port
from tests.idp.conftest import login
from tests.idp.device_api.conftest import make_uri  # noqa: F401 - the fixture
from tests.idp.device_api.device import ProtocolDevice


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Redis configured but nothing listens there: the limiter's storage, the broker and the
    # replay guard all fail.
    dead = f"redis://127.0.0.1:{free_port()}/0"
    return {"REDIS_URL": dead, "RATELIMIT_STORAGE_URI": dead, "RATELIMIT_ENABLED": True}


def test_a_rate_limited_form_fails_closed_with_a_page(client: FlaskClient) -> None:
    resp = login(client, "jasmin", "camille.martin", "whatever")
    assert resp.status_code == 503
    assert resp.headers["Retry-After"]
    assert "Service momentanément indisponible" in resp.get_data(as_text=True)
    assert "rien n&#39;a été modifié" in resp.get_data(as_text=True)


def test_the_device_api_answers_service_unavailable(
    app: Flask,
    make_uri: Callable[..., str],  # noqa: F811 - the fixture imported above
) -> None:
    device = ProtocolDevice(app.test_client(), app.extensions["idp.clock"].now())
    resp = device.enroll(make_uri())  # its jti cannot be claimed: nothing is enrolled
    assert resp.status_code == 503
    assert resp.get_json()["error"] == "service_unavailable"
    assert resp.headers["Retry-After"]
