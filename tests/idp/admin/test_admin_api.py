"""The JSON admin API: admin tokens, every operation, stable error codes, its OpenAPI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from idp.admin import tokens
from idp.clock import FixedClock
from idp.extensions import db
from idp.models import AuditEvent
from idp.realms.store import get_realm
from idp.users.service import find_user
from tests.idp.conftest import login

API = "/realms/metamots/api/admin/v1"
TARGET = "julien.moreau"


@pytest.fixture
def token(app: Flask, clock: FixedClock) -> str:
    with app.app_context():
        realm = get_realm("metamots")
        assert realm is not None
        _row, value = tokens.issue(realm, "helpdesk", now=clock.now(), days=30)
        db.session.commit()
    return value


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post(client: FlaskClient, token: str, path: str, body: Any) -> Any:
    return client.post(f"{API}{path}", json=body, headers=_auth(token))


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nope", "Basic abc", "Bearer idpadm_" + "x" * 43],
)
def test_refused_without_a_valid_token(client: FlaskClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    for resp in (
        client.get(f"{API}/users", headers=headers),
        client.post(f"{API}/users/{TARGET}/disable", json={"reason": "x"}, headers=headers),
    ):
        assert resp.status_code == 401
        assert resp.get_json()["error"] == "unauthorized"


def test_a_token_of_another_realm_expired_or_revoked_is_refused(
    app: Flask, client: FlaskClient, clock: FixedClock, token: str
) -> None:
    assert client.get("/realms/uphf/api/admin/v1/users", headers=_auth(token)).status_code == 401
    assert client.get(f"{API}/users", headers=_auth(token)).status_code == 200
    clock.advance(timedelta(days=31))
    assert client.get(f"{API}/users", headers=_auth(token)).status_code == 401
    with app.app_context():
        realm = get_realm("metamots")
        assert realm is not None
        row, fresh = tokens.issue(realm, "other", now=clock.now())
        tokens.revoke(realm, row.id, now=clock.now())
        db.session.commit()
    assert client.get(f"{API}/users", headers=_auth(fresh)).status_code == 401


def test_search_and_get_user(client: FlaskClient, token: str) -> None:
    found = client.get(f"{API}/users?q=julien", headers=_auth(token)).get_json()
    assert [u["username"] for u in found["users"]] == [TARGET]
    assert found["next"] is None
    page = client.get(f"{API}/users?limit=1", headers=_auth(token)).get_json()
    assert len(page["users"]) == 1
    assert page["next"]
    detail = client.get(f"{API}/users/{TARGET}", headers=_auth(token)).get_json()
    assert detail["username"] == TARGET
    assert detail["sessions"] == []
    missing = client.get(f"{API}/users/nobody", headers=_auth(token))
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "unknown_user"
    bad = client.get(f"{API}/users?limit=0", headers=_auth(token))
    assert bad.status_code == 400
    assert bad.get_json()["error"] == "invalid_request"


def test_actions_are_applied_and_audited_with_the_token_as_actor(
    app: Flask, client: FlaskClient, token: str
) -> None:
    victim = app.test_client()
    login(victim, "metamots", TARGET, "Lettres&Mots9")
    resp = _post(client, token, f"/users/{TARGET}/revoke-sessions", {"reason": "lost laptop"})
    assert resp.get_json() == {
        "user": TARGET,
        "action": "revoke-sessions",
        "changed": True,
        "count": 1,
    }
    assert victim.get("/realms/metamots/profile").status_code == 302
    assert _post(client, token, f"/users/{TARGET}/disable", {"reason": "left"}).get_json()[
        "changed"
    ]
    again = _post(client, token, f"/users/{TARGET}/disable", {"reason": "left"})
    assert again.get_json()["changed"] is False
    assert _post(client, token, f"/users/{TARGET}/enable", {"reason": "back"}).status_code == 200
    unlock = _post(client, token, f"/users/{TARGET}/unlock", {"reason": "r", "kind": "secret"})
    assert unlock.get_json()["count"] == 0
    temp = _post(client, token, f"/users/{TARGET}/temporary-password", {"reason": "phone call"})
    password = temp.get_json()["temporary_password"]
    assert (
        "/password/change"
        in login(app.test_client(), "metamots", TARGET, password).headers["Location"]
    )
    forced = _post(client, token, f"/users/{TARGET}/force-password-change", {"reason": "r"})
    assert forced.status_code == 200
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event.like("admin_%")).order_by(AuditEvent.id)
        ).all()
        assert {e.actor for e in events} == {"token:helpdesk"}
        assert events[0].details == {"target": TARGET, "reason": "lost laptop", "count": 1}
        assert all(password not in str(e.details) for e in events)


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        (f"/users/{TARGET}/disable", {}, 400, "invalid_request"),
        (f"/users/{TARGET}/disable", {"reason": ""}, 400, "invalid_request"),
        (f"/users/{TARGET}/disable", {"reason": "x", "extra": 1}, 400, "invalid_request"),
        (f"/users/{TARGET}/unlock", {"reason": "x", "kind": "door"}, 400, "invalid_request"),
        (
            f"/users/{TARGET}/remove-device",
            {"reason": "x", "device_id": "no"},
            404,
            "unknown_device",
        ),
        (f"/users/{TARGET}/format-disk", {"reason": "x"}, 404, "unknown_action"),
        ("/users/nobody/disable", {"reason": "x"}, 404, "unknown_user"),
    ],
)
def test_bad_requests_have_stable_codes(
    app: Flask, client: FlaskClient, token: str, path: str, body: Any, status: int, code: str
) -> None:
    resp = _post(client, token, path, body)
    assert resp.status_code == status
    assert resp.get_json()["error"] == code
    with app.app_context():
        user = find_user(get_realm("metamots"), TARGET)  # type: ignore[arg-type]
        assert user is not None
        assert user.disabled_at is None


def test_audit_listing_filters_and_pages(client: FlaskClient, app: Flask, token: str) -> None:
    for _ in range(3):
        login(app.test_client(), "metamots", TARGET, "wrong")
    first = client.get(
        f"{API}/audit?user={TARGET}&outcome=failure&limit=2", headers=_auth(token)
    ).get_json()
    assert len(first["events"]) == 2
    assert {e["event"] for e in first["events"]} == {"sign_in"}
    rest = client.get(
        f"{API}/audit?user={TARGET}&outcome=failure&limit=2&before={first['next']}",
        headers=_auth(token),
    ).get_json()
    assert len(rest["events"]) == 1
    assert rest["next"] is None
    bad = client.get(f"{API}/audit?since=yesterday", headers=_auth(token))
    assert bad.status_code == 400
    assert bad.get_json() == {"error": "invalid_request", "message": "since: expected YYYY-MM-DD"}


def test_openapi_document_is_its_own(client: FlaskClient) -> None:
    spec = client.get("/api/admin/openapi.json").get_json()
    assert spec["info"]["title"] == "IdP admin API"
    assert set(spec["paths"]) == {
        "/realms/{slug}/api/admin/v1/users",
        "/realms/{slug}/api/admin/v1/users/{username}",
        "/realms/{slug}/api/admin/v1/users/{username}/{action}",
        "/realms/{slug}/api/admin/v1/audit",
        "/realms/{slug}/api/admin/v1/clients",
        "/realms/{slug}/api/admin/v1/clients/{client_id}",
    }
    device = client.get("/api/device/openapi.json").get_json()
    assert not [p for p in device["paths"] if "/api/admin/" in p]
