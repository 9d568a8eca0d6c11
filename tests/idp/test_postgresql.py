"""The same migrations, demo data and sign-in on a real PostgreSQL (the scale-out database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from idp import create_app
from idp.cli import cli
from tests.idp.conftest import FAST_ARGON2, login
from tests.support.postgres import postgres_server


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def test_migrations_demo_and_sign_in_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    env = {
        "IDP_DATABASE_URL": pg_url,
        "IDP_TEST_MODE": "1",
        "IDP_INSTANCE_PATH": str(tmp_path),
        "IDP_ARGON2_TIME_COST": "1",
        "IDP_ARGON2_MEMORY_COST": "1024",
        "IDP_ARGON2_PARALLELISM": "1",
    }
    result = CliRunner().invoke(cli, ["init-demo"], env=env)
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli, ["init-demo"], env=env)
    assert "up to date, 0 demo user(s) added" in again.output
    app = create_app(
        {
            "DATABASE_URL": pg_url,
            "TESTING": True,
            "TEST_MODE": True,
            "INSTANCE_PATH": str(tmp_path),
            "RATELIMIT_ENABLED": False,
            **FAST_ARGON2,
        }
    )
    client = app.test_client()
    assert login(client, "uphf", "lea.dubois", "Valenciennes@2025").status_code == 302
    assert client.get("/realms/uphf/profile").status_code == 200
    with app.app_context():
        from idp.audit.service import query

        [event] = [e for e in query(realm="uphf") if e.event == "sign_in"]
        assert event.at.tzinfo is not None
        assert abs((datetime.now(UTC) - event.at).total_seconds()) < 300
        from idp.extensions import db

        db.engine.dispose()
