"""Hashes made with other argon2 parameters are upgraded at the next successful sign-in."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from idp.extensions import db
from idp.realms.store import get_realm
from idp.security.passwords import Hasher
from idp.users.service import find_user
from tests.idp.conftest import login

USER, PASSWORD = "sophie.bernard", "Azur!Riviera7"
OLD = Hasher(time_cost=1, memory_cost=2048, parallelism=1)  # the tests' server uses m=1024


def _hash(app: Flask) -> str:
    with app.app_context():
        user = find_user(get_realm("metamots"), USER)  # type: ignore[arg-type]
        assert user is not None
        assert user.password_hash is not None
        return user.password_hash


def _set_old_hash(app: Flask) -> str:
    with app.app_context():
        user = find_user(get_realm("metamots"), USER)  # type: ignore[arg-type]
        assert user is not None
        user.password_hash = OLD.hash(PASSWORD)
        db.session.commit()
        return user.password_hash


def test_sign_in_upgrades_an_old_hash(app: Flask, client: FlaskClient) -> None:
    old = _set_old_hash(app)
    assert "m=2048" in old
    assert login(client, "metamots", USER, PASSWORD).status_code == 302
    new = _hash(app)
    assert new != old
    assert "$m=1024,t=1,p=1$" in new
    # Same password, not a change: no history entry.
    with app.app_context():
        user = find_user(get_realm("metamots"), USER)  # type: ignore[arg-type]
        assert user is not None
        assert user.password_history == []
    assert login(app.test_client(), "metamots", USER, PASSWORD).status_code == 302


def test_a_wrong_password_upgrades_nothing(app: Flask, client: FlaskClient) -> None:
    old = _set_old_hash(app)
    assert login(client, "metamots", USER, "wrong").status_code == 200
    assert _hash(app) == old
