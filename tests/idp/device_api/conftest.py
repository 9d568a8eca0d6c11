"""Fixtures for the device API: a signed-in browser, an offer, an enrolled test device."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.clock import FixedClock
from idp.extensions import db
from idp.push.enrollment import create_offer
from idp.realms.store import get_realm
from idp.users.service import find_user
from tests.idp.device_api.device import BASE, ProtocolDevice


@pytest.fixture
def make_uri(app: Flask, clock: FixedClock) -> Callable[..., str]:
    def make(realm: str = "jasmin", username: str = "camille.martin") -> str:
        with app.app_context():
            user = find_user(get_realm(realm), username)
            issued = create_offer(user, base_url=BASE, now=clock.now())
            db.session.commit()
            return issued.uri

    return make


@pytest.fixture
def device(app: Flask, clock: FixedClock, make_uri: Callable[..., str]) -> ProtocolDevice:
    dev = ProtocolDevice(app.test_client(), clock.now())
    resp = dev.enroll(make_uri())
    assert resp.status_code == 201, resp.get_json()
    return dev


@pytest.fixture
def browser(client: FlaskClient) -> FlaskClient:
    return client
