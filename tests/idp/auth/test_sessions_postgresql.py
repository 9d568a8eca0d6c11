"""Server-side sessions on PostgreSQL shared by two IdP instances (the scaled layout)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from idp import create_app
from idp.cli import cli
from tests.idp.conftest import FAST_ARGON2, csrf_from, login
from tests.support.postgres import postgres_server

USER, PASSWORD = "sophie.bernard", "Azur!Riviera7"


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with postgres_server() as url:
        env = {
            "IDP_DATABASE_URL": url,
            "IDP_TEST_MODE": "1",
            "IDP_INSTANCE_PATH": str(tmp_path_factory.mktemp("pg-sessions")),
            "IDP_ARGON2_TIME_COST": "1",
            "IDP_ARGON2_MEMORY_COST": "1024",
            "IDP_ARGON2_PARALLELISM": "1",
        }
        result = CliRunner().invoke(cli, ["init-demo"], env=env)
        assert result.exit_code == 0, result.output
        yield url


def _instance(url: str, tmp_path: Path, name: str) -> Flask:
    return create_app(
        {
            "DATABASE_URL": url,
            "TESTING": True,
            "TEST_MODE": True,
            "SECRET_KEY": "shared-secret-of-the-cluster-" + "k" * 20,
            "INSTANCE_PATH": str(tmp_path / name),
            "RATELIMIT_ENABLED": False,
            **FAST_ARGON2,
        }
    )


def _dispose(*apps: Flask) -> None:
    from idp.extensions import db

    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_logout_on_one_instance_ends_the_session_on_the_other(pg_url: str, tmp_path: Path) -> None:
    first, second = _instance(pg_url, tmp_path, "a"), _instance(pg_url, tmp_path, "b")
    try:
        browser = first.test_client()
        assert login(browser, "metamots", USER, PASSWORD).status_code == 302
        cookie = browser.get_cookie("idp_session")
        assert cookie is not None
        on_second = second.test_client()
        on_second.set_cookie("idp_session", cookie.value)
        page = on_second.get("/realms/metamots/profile")
        assert page.status_code == 200  # the load balancer may send the browser anywhere
        on_second.post(
            "/realms/metamots/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
        )
        assert browser.get("/realms/metamots/profile").status_code == 302
    finally:
        _dispose(first, second)


def test_ending_races_across_instances_end_once(pg_url: str, tmp_path: Path) -> None:
    from sqlalchemy import select

    from idp.audit.service import ClientInfo
    from idp.auth import sessions
    from idp.extensions import db
    from idp.models import AuditEvent, BrowserSession
    from idp.realms.store import get_realm
    from idp.users.service import find_user

    apps = [_instance(pg_url, tmp_path, f"i{i}") for i in range(2)]
    try:
        with apps[0].app_context():
            user = find_user(get_realm("metamots"), USER)  # type: ignore[arg-type]
            assert user is not None
            from datetime import UTC, datetime

            row, _ = sessions.start(user, amr=["pwd"], client=ClientInfo(), now=datetime.now(UTC))
            db.session.commit()
            session_id = row.id
        results: list[bool] = []
        barrier = threading.Barrier(6)

        def worker(app: Flask) -> None:
            from datetime import UTC, datetime

            with app.app_context():
                target: Any = db.session.get(BrowserSession, session_id)
                barrier.wait()
                results.append(sessions.end(target, reason="admin", now=datetime.now(UTC)))
                db.session.commit()

        threads = [threading.Thread(target=worker, args=(apps[i % 2],)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [False] * 5 + [True]
        with apps[0].app_context():
            ended = db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.event == "session_ended",
                    AuditEvent.details["session"].as_integer() == session_id,
                )
            ).all()
            assert len(ended) == 1
    finally:
        _dispose(*apps)
