"""IdP fixtures: an app on a migrated database, the demo realms, a test client.

The schema is built once per session with the real Alembic migrations, then each test gets its
own copy: a copy of the SQLite file by default, or with ``pytest --database=postgresql`` its own
PostgreSQL database cloned from a migrated template (``CREATE DATABASE ... TEMPLATE``) on one
throw-away server for the session. Tests that only make sense on one engine use the
``sqlite_only(reason)`` / ``postgresql_only(reason)`` markers (skipped on the other).
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp import create_app
from idp.clock import FixedClock
from tests.conftest import FIXED_NOW

FAST_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1}


def make_config(db_file: Path, *, database_url: str | None = None, **extra: Any) -> dict[str, Any]:
    """The test configuration; the database is the SQLite ``db_file`` unless ``database_url``
    is given (the instance folder stays ``db_file``'s directory either way)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "DATABASE_URL": database_url or f"sqlite:///{db_file}",
        "INSTANCE_PATH": str(db_file.parent),
        "BASE_URL": "http://127.0.0.1:5000",
        "CLOCK": FixedClock(FIXED_NOW),
        "RATELIMIT_ENABLED": False,
        **FAST_ARGON2,
        **extra,
    }


def _migrate_and_load_demo(config: dict[str, Any]) -> None:
    from flask_migrate import upgrade

    from idp.demo import load_demo
    from idp.extensions import db

    app = create_app(config)
    with app.app_context():
        upgrade()
        list(load_demo())
        db.engine.dispose()


class DatabaseSource(Protocol):
    engine: str

    def create(self, tmp_path: Path) -> str:
        """A fresh database, migrated with the demo realms; its SQLAlchemy-style URL."""

    def drop(self, url: str) -> None: ...


class _SqliteDatabases:
    engine = "sqlite"

    def __init__(self, template: Path) -> None:
        self.template = template

    def create(self, tmp_path: Path) -> str:
        db_file = tmp_path / "idp.sqlite3"
        shutil.copy(self.template, db_file)
        return f"sqlite:///{db_file}"

    def drop(self, url: str) -> None:
        """The file goes with the test's tmp_path."""


class _PostgresDatabases:
    """One database per test, cloned from the template; the next one is cloned in the background
    while a test runs, and dropping happens there too (a clone costs ~0.15 s of I/O)."""

    engine = "postgresql"
    template = "idp_template"

    def __init__(self, server: Any) -> None:
        self.server = server
        self._serial = itertools.count(1)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-clone")
        self._next: Future[str] = self._worker.submit(self._clone)

    def _clone(self) -> str:
        return str(self.server.create_database(f"t_{next(self._serial)}", template=self.template))

    def create(self, tmp_path: Path) -> str:
        url = self._next.result()
        self._next = self._worker.submit(self._clone)
        return url

    def drop(self, url: str) -> None:
        self._worker.submit(self.server.drop_database, url.rsplit("/", 1)[1])

    def close(self) -> None:
        self._worker.shutdown(wait=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, keep only the IdP tests that use the test database: the others
    (presets, policy rules, CLI on its own SQLite file, servers started by the test) would run
    exactly as in the SQLite pass."""
    if config.getoption("--database") != "postgresql":
        return
    here = Path(__file__).parent
    same_on_both = [
        item
        for item in items
        if here in item.path.parents and "database_url" not in getattr(item, "fixturenames", ())
    ]
    if same_on_both:
        config.hook.pytest_deselected(items=same_on_both)
        chosen = set(map(id, same_on_both))
        items[:] = [item for item in items if id(item) not in chosen]


@pytest.fixture(scope="session")
def database_engine(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql`` (``pytest --database=...``)."""
    return str(request.config.getoption("--database"))


@pytest.fixture(scope="session")
def test_databases(
    database_engine: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseSource]:
    """Where each test's database comes from: built and migrated once per session."""
    folder = tmp_path_factory.mktemp("template")
    if database_engine == "sqlite":
        path = folder / "idp.sqlite3"
        _migrate_and_load_demo(make_config(path))
        yield _SqliteDatabases(path)
        return
    from tests.support.postgres import PostgresServer

    with PostgresServer(database=_PostgresDatabases.template) as server:
        _migrate_and_load_demo(make_config(folder / "unused.sqlite3", database_url=server.url))
        databases = _PostgresDatabases(server)
        try:
            yield databases
        finally:
            databases.close()


@pytest.fixture(autouse=True)
def _engine_specific(request: pytest.FixtureRequest) -> None:
    """``@pytest.mark.sqlite_only("why")`` / ``postgresql_only``: skipped on the other engine."""
    engine = str(request.config.getoption("--database"))
    for name, wanted in (("sqlite_only", "sqlite"), ("postgresql_only", "postgresql")):
        marker = request.node.get_closest_marker(name)
        if marker is not None and engine != wanted:
            reason = marker.args[0] if marker.args else f"only meaningful on {wanted}"
            pytest.skip(f"{wanted} only: {reason}")


@pytest.fixture
def database_url(test_databases: DatabaseSource, tmp_path: Path) -> Iterator[str]:
    """This test's own database (a SQLite file copy, or a PostgreSQL database from the template)."""
    url = test_databases.create(tmp_path)
    yield url
    test_databases.drop(url)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change the configuration."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(make_config(tmp_path / "idp.sqlite3", database_url=database_url, **app_config))
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
