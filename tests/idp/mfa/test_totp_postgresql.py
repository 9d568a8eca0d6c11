"""The single-use race and encryption at rest on a real PostgreSQL (the scale-out database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from idp import create_app
from idp.clock import FixedClock
from idp.extensions import db
from idp.mfa.totp import TotpParams, code_at
from tests.conftest import FIXED_NOW
from tests.idp.conftest import FAST_ARGON2
from tests.idp.mfa.conftest import add_code_device
from tests.idp.mfa.test_totp import _race
from tests.support.postgres import pg_bin, postgres_server

pytestmark = pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL is not installed")


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with postgres_server() as url:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": url,
                "SECRET_KEY": "test-secret-key-" + "x" * 32,
                "INSTANCE_PATH": str(tmp_path_factory.mktemp("pg")),
                "CLOCK": FixedClock(FIXED_NOW),
                "RATELIMIT_ENABLED": False,
                **FAST_ARGON2,
            }
        )
        with app.app_context():
            from flask_migrate import upgrade

            from idp.demo import load_demo

            upgrade()
            list(load_demo())
        yield app
        with app.app_context():
            db.engine.dispose()


def test_concurrent_double_submit_on_postgresql(pg_app: Flask, tmp_path: Path) -> None:
    with pg_app.app_context():
        dev = add_code_device(device_id="dev-pg")
        stored = db.session.execute(
            text("SELECT totp_secret FROM device WHERE id = 'dev-pg'")
        ).scalar_one()
        assert stored.startswith("enc1:")
        assert dev.secret not in stored
    for attempt in range(5):
        from datetime import timedelta

        now = FIXED_NOW + timedelta(seconds=90 * attempt)
        code = code_at(dev.secret, TotpParams(), int(now.timestamp()) // 30)
        assert _race(pg_app, dev.user_id, code, now) == ["accepted", "totp_replayed"]
