"""Enrollment is unauthenticated: it is capped per client address, with the API's error body."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "DEVICE_ENROLL_RATE_LIMIT": "3 per minute"}


def test_enroll_is_rate_limited_per_client(app: Flask) -> None:
    client = app.test_client()
    path = "/realms/jasmin/api/device/v1/enroll"
    for _ in range(3):
        assert client.post(path, json={"request": "a.b.c"}).status_code == 400
    resp = client.post(path, json={"request": "a.b.c"})
    assert resp.status_code == 429
    assert resp.get_json()["error"] == "http_429"
    assert int(resp.headers["Retry-After"]) > 0
    # Another client address is not affected.
    other = client.post(path, json={"request": "a.b.c"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 400
