"""Rate limits on sign-in: per identifier (same for known and unknown), per client IP."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.idp.conftest import login, text_of


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {
        "RATELIMIT_ENABLED": True,
        "LOGIN_IDENTIFIER_RATE_LIMIT": "3 per 5 minutes",
        "LOGIN_RATE_LIMIT": "6 per minute",
    }


@pytest.mark.parametrize("identifier", ["camille.martin", "nobody.at.all"])
def test_identifier_limit_is_the_same_for_known_and_unknown(
    client: FlaskClient, identifier: str
) -> None:
    statuses = [login(client, "jasmin", identifier, "wrong").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    last = login(client, "jasmin", identifier, "wrong")
    assert "Trop de tentatives" in text_of(last)


def test_ip_limit_across_identifiers(client: FlaskClient) -> None:
    statuses = [login(client, "jasmin", f"user{i}", "wrong").status_code for i in range(7)]
    assert statuses[:6] == [200] * 6
    assert statuses[6] == 429
