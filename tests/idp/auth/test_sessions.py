"""Server-side browser sessions: a cookie saved before an end is refused after it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from idp.audit.service import ClientInfo
from idp.auth import sessions
from idp.clock import FixedClock
from idp.extensions import db
from idp.models import AuditEvent, BrowserSession
from idp.realms.store import get_realm, preset_of
from idp.security.passwords import current_hasher
from idp.users.service import find_user, set_password
from tests.idp.conftest import csrf_from, login

COOKIE = "idp_session"


def _demo(realm: str) -> tuple[str, str]:
    from idp.realms.preset import load_builtin_presets

    preset = next(p for p in load_builtin_presets() if p.slug == realm)
    user = preset.demo_users[0]
    assert user.password
    return user.username, user.password


@pytest.fixture
def metamots() -> tuple[str, str]:
    # metamots has no push step: the password alone signs in.
    return _demo("metamots")


def _saved_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, cookie: str, path: str = "/realms/metamots/profile") -> int:
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief.get(path).status_code


def test_saved_cookie_is_refused_after_logout(
    app: Flask, client: FlaskClient, metamots: tuple[str, str]
) -> None:
    login(client, "metamots", *metamots)
    saved = _saved_cookie(client)
    assert _replay(app, saved) == 200
    page = client.get("/realms/metamots/profile").get_data(as_text=True)
    client.post("/realms/metamots/logout", data={"csrf_token": csrf_from(page)})
    assert _replay(app, saved) == 302
    with app.app_context():
        row = db.session.scalars(select(BrowserSession)).one()
        assert row.revoked_reason == "logout"
        assert db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "session_ended")
        ).one().details == {"reason": "logout", "session": row.id}


def test_saved_cookie_is_refused_after_a_password_change(
    app: Flask, client: FlaskClient, metamots: tuple[str, str], clock: FixedClock
) -> None:
    login(client, "metamots", *metamots)
    saved = _saved_cookie(client)
    with app.app_context():
        user = find_user(get_realm("metamots"), metamots[0])
        set_password(user, "Another-Strong-Pass-2026!", hasher=current_hasher(), now=clock.now())
        db.session.commit()
    assert _replay(app, saved) == 302
    assert client.get("/realms/metamots/profile").status_code == 302


def test_cookie_carries_an_opaque_token_and_the_table_its_hash_only(
    app: Flask, client: FlaskClient, metamots: tuple[str, str]
) -> None:
    login(client, "metamots", *metamots)
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    data = serializer.loads(_saved_cookie(client))
    assert set(data) <= {"sid", "lang", "_permanent", "_fresh", "csrf_token"}
    token = data["sid"]
    assert len(token) >= 43
    with app.app_context():
        row = db.session.scalars(select(BrowserSession)).one()
        assert row.token_hash == sessions.token_hash(token)
        assert token not in repr(row.__dict__)
        assert row.amr == ["pwd"]
        assert row.user_agent is not None


def test_token_is_rotated_at_sign_in(
    app: Flask, client: FlaskClient, metamots: tuple[str, str]
) -> None:
    # Signed in to one realm, then to another on the same browser: a new record and a new
    # token; the token the browser carried before is dead (no fixation across a sign-in).
    login(client, "nouvelle-aquitaine", *_demo("nouvelle-aquitaine"))
    first = _saved_cookie(client)
    assert _replay(app, first, "/realms/nouvelle-aquitaine/profile") == 200
    login(client, "metamots", *metamots)
    second = _saved_cookie(client)
    assert _token(app, first) != _token(app, second)
    assert _replay(app, first, "/realms/nouvelle-aquitaine/profile") == 302
    assert _replay(app, second) == 200
    with app.app_context():
        rows = db.session.scalars(select(BrowserSession).order_by(BrowserSession.id)).all()
        assert [r.revoked_reason for r in rows] == ["replaced", None]


def _token(app: Flask, cookie: str) -> str:
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    token: str = serializer.loads(cookie)["sid"]
    return token


@pytest.mark.parametrize(
    ("minutes", "alive"),
    [(29, True), (30, False)],
)
def test_idle_timeout_ends_the_session(
    app: Flask,
    client: FlaskClient,
    metamots: tuple[str, str],
    clock: FixedClock,
    minutes: int,
    alive: bool,
) -> None:
    login(client, "metamots", *metamots)
    clock.advance(timedelta(minutes=minutes))
    assert (client.get("/realms/metamots/profile").status_code == 200) is alive
    if not alive:
        with app.app_context():
            assert db.session.scalars(select(BrowserSession)).one().revoked_reason == "idle"


def test_absolute_timeout_ends_an_active_session(
    app: Flask, client: FlaskClient, metamots: tuple[str, str], clock: FixedClock
) -> None:
    login(client, "metamots", *metamots)
    with app.app_context():
        lifetime = preset_of(get_realm("metamots")).sessions.lifetime_minutes
    # Active every 20 minutes: never idle, yet ended at the realm's lifetime.
    for _ in range(lifetime // 20 - 1):
        clock.advance(timedelta(minutes=20))
        assert client.get("/realms/metamots/profile").status_code == 200
    clock.advance(timedelta(minutes=20 + lifetime % 20))
    assert client.get("/realms/metamots/profile").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(BrowserSession)).one().revoked_reason == "expired"


def test_last_seen_is_written_at_most_once_a_minute(
    app: Flask, client: FlaskClient, metamots: tuple[str, str], clock: FixedClock
) -> None:
    login(client, "metamots", *metamots)
    start = clock.now()
    clock.advance(timedelta(seconds=30))
    client.get("/realms/metamots/profile")
    with app.app_context():
        assert db.session.scalars(select(BrowserSession)).one().last_seen_at == start
    clock.advance(timedelta(seconds=31))
    client.get("/realms/metamots/profile")
    with app.app_context():
        assert db.session.scalars(select(BrowserSession)).one().last_seen_at == clock.now()


def test_end_all_keeps_the_current_one(
    app: Flask, ctx: None, metamots: tuple[str, str], clock: FixedClock
) -> None:
    user = find_user(get_realm("metamots"), metamots[0])
    assert user is not None
    rows = [
        sessions.start(user, amr=["pwd"], client=ClientInfo(), now=clock.now())[0] for _ in range(3)
    ]
    ended = sessions.end_all_for_user(
        user, reason="logout_everywhere", now=clock.now(), keep=rows[0]
    )
    db.session.commit()
    assert ended == 2
    settings = preset_of(user.realm).sessions
    assert [r.id for r in sessions.list_for_user(user, settings=settings, now=clock.now())] == [
        rows[0].id
    ]


def test_a_session_is_ended_exactly_once_under_a_race(
    app: Flask, metamots: tuple[str, str], clock: FixedClock
) -> None:
    with app.app_context():
        user = find_user(get_realm("metamots"), metamots[0])
        assert user is not None
        row, _token = sessions.start(user, amr=["pwd"], client=ClientInfo(), now=clock.now())
        db.session.commit()
        session_id = row.id
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        with app.app_context():
            target = db.session.get(BrowserSession, session_id)
            barrier.wait()
            results.append(sessions.end(target, reason="admin", now=clock.now()))
            db.session.commit()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    with app.app_context():
        ended = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "session_ended")
        ).all()
        assert len(ended) == 1


def test_disabled_account_loses_its_session_and_cannot_sign_in(
    app: Flask, client: FlaskClient, metamots: tuple[str, str], clock: FixedClock
) -> None:
    login(client, "metamots", *metamots)
    with app.app_context():
        user = find_user(get_realm("metamots"), metamots[0])
        assert user is not None
        user.disabled_at = clock.now()
        db.session.commit()
    assert client.get("/realms/metamots/profile").status_code == 302
    assert login(client, "metamots", *metamots).status_code == 200


def test_saved_cookie_is_refused_after_an_admin_revoke(
    app: Flask, client: FlaskClient, metamots: tuple[str, str], clock: FixedClock
) -> None:
    from idp.admin.service import revoke_sessions

    login(client, "metamots", *metamots)
    saved = _saved_cookie(client)
    with app.app_context():
        user = find_user(get_realm("metamots"), metamots[0])
        assert user is not None
        assert revoke_sessions(user, actor="cli", reason="lost laptop", now=clock.now()) == 1
        db.session.commit()
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "admin_sessions_revoked")
        ).one()
        assert event.actor == "cli"
        assert event.details == {"target": metamots[0], "reason": "lost laptop", "count": 1}
    assert _replay(app, saved) == 302


def test_rotate_kills_the_old_token_and_keeps_the_record(
    app: Flask, ctx: None, metamots: tuple[str, str], clock: FixedClock
) -> None:
    user = find_user(get_realm("metamots"), metamots[0])
    assert user is not None
    row, old = sessions.start(user, amr=["pwd"], client=ClientInfo(), now=clock.now())
    clock.advance(timedelta(minutes=5))
    new = sessions.rotate(row, amr=["swk", "mfa"], now=clock.now())
    db.session.commit()
    settings = preset_of(user.realm).sessions
    assert new != old
    assert sessions.current(old, realm=user.realm, settings=settings, now=clock.now()) is None
    same = sessions.current(new, realm=user.realm, settings=settings, now=clock.now())
    assert same is not None
    assert same.id == row.id
    assert same.amr == ["pwd", "swk", "mfa"]
    assert same.authenticated_at == clock.now()
    assert same.created_at == clock.now() - timedelta(minutes=5)  # the lifetime still counts


@pytest.mark.parametrize("token", ["", "x" * 500, "not-a-token"])
def test_garbage_tokens_are_nobody(app: Flask, token: str) -> None:
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    forged = serializer.dumps({"sid": token})
    assert _replay(app, forged) == 302


def test_purge_deletes_old_records_only(
    app: Flask, ctx: None, metamots: tuple[str, str], clock: FixedClock
) -> None:
    user = find_user(get_realm("metamots"), metamots[0])
    assert user is not None
    old, _ = sessions.start(user, amr=["pwd"], client=ClientInfo(), now=clock.now())
    sessions.end(old, reason="logout", now=clock.now())
    clock.advance(timedelta(days=100))
    live, _ = sessions.start(user, amr=["pwd"], client=ClientInfo(), now=clock.now())
    db.session.commit()
    assert sessions.purge(now=clock.now(), older_than=timedelta(days=90)) == 1
    db.session.commit()
    assert [r.id for r in db.session.scalars(select(BrowserSession))] == [live.id]


def test_uphf_lifetime_longer_than_eight_hours_is_honoured(app: Flask, client: FlaskClient) -> None:
    from datetime import UTC, datetime

    # uphf keeps sessions 600 minutes: the cookie must not expire before the record does.
    login(client, "uphf", "lea.dubois", "Valenciennes@2025")
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    assert cookie.expires is not None
    # Flask dates the cookie with the real clock, not the app's.
    assert (cookie.expires - datetime.now(UTC)).total_seconds() > 600 * 60
