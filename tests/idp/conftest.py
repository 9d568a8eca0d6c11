"""IdP fixtures: an app on a migrated SQLite file, the demo realms, a test client.

The schema is built once per session with the real Alembic migrations, then each test gets
its own copy of the database file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp import create_app
from idp.clock import FixedClock
from tests.conftest import FIXED_NOW

FAST_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1}


def make_config(db_file: Path, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "DATABASE_URL": f"sqlite:///{db_file}",
        "INSTANCE_PATH": str(db_file.parent),
        "BASE_URL": "http://127.0.0.1:5000",
        "CLOCK": FixedClock(FIXED_NOW),
        "RATELIMIT_ENABLED": False,
        **FAST_ARGON2,
        **extra,
    }


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated to head with the demo realms loaded, built once."""
    from idp.demo import load_demo
    from idp.extensions import db

    path = tmp_path_factory.mktemp("template") / "idp.sqlite3"
    app = create_app(make_config(path))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        list(load_demo())
        db.engine.dispose()
    return path


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change the configuration."""
    return {}


@pytest.fixture
def app(template_db: Path, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    db_file = tmp_path / "idp.sqlite3"
    shutil.copy(template_db, db_file)
    app = create_app(make_config(db_file, **app_config))
    # No app context stays pushed: each request must get its own (and its own ``g``), as in
    # production. Tests that touch the database directly open one with ``app.app_context()``.
    yield app
    with app.app_context():
        from idp.extensions import db

        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for tests that work on the database directly (not around requests)."""
    with app.app_context():
        yield


@pytest.fixture
def clock(app: Flask) -> FixedClock:
    clock: FixedClock = app.extensions["idp.clock"]
    return clock


def text_of(resp: Any) -> str:
    """The response body with HTML entities decoded (French apostrophes are escaped) and
    French typography's non-breaking spaces read as spaces (tests assert on words; the
    typography has its own tests)."""
    import html

    return plain(html.unescape(resp.get_data(as_text=True)))


def plain(text: str) -> str:
    """Non-breaking spaces (French typography) as ordinary ones."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: FlaskClient, realm: str, identifier: str, password: str, **extra: str) -> Any:
    page = client.get(f"/realms/{realm}/login")
    data = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "identifier": identifier,
        "password": password,
        **extra,
    }
    return client.post(f"/realms/{realm}/login", data=data)
