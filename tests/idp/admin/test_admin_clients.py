"""OpenID Connect applications in the admin console and the admin API: list, add, remove."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from idp.admin import tokens
from idp.clock import FixedClock
from idp.extensions import db
from idp.models import AuditEvent, OidcClient, OidcConsent
from idp.oidc.clients import register_client
from idp.realms.store import get_realm
from idp.users.service import find_user
from tests.idp.admin.test_admin_console import ADMIN, BASE, _grant
from tests.idp.conftest import csrf_from, login, text_of

API = "/realms/metamots/api/admin/v1"
CALLBACK = "https://portail.example/callback"


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    _grant(app, "metamots", ADMIN[0])
    login(client, "metamots", *ADMIN)
    return client


def _register(app: Flask, clock: FixedClock, realm: str = "metamots", name: str = "Portail") -> str:
    with app.app_context():
        realm_row = get_realm(realm)
        assert realm_row is not None
        done = register_client(realm_row, name, redirect_uris=[CALLBACK], now=clock.now())
        user = find_user(realm_row, "julien.moreau" if realm == "metamots" else "lea.dubois")
        assert user is not None
        db.session.add(
            OidcConsent(
                user_id=user.id, client_pk=done.client.id, scope="openid", granted_at=clock.now()
            )
        )
        db.session.commit()
        return done.client.client_id


def _audit(app: Flask, event: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)))


def _exists(app: Flask, client_id: str) -> bool:
    with app.app_context():
        return (
            db.session.scalar(select(OidcClient).where(OidcClient.client_id == client_id))
            is not None
        )


def test_the_console_lists_the_realms_clients_only(
    app: Flask, admin: FlaskClient, clock: FixedClock
) -> None:
    mine = _register(app, clock)
    other = _register(app, clock, realm="uphf", name="ENT UPHF")
    page = admin.get(f"{BASE}/clients")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert mine in html
    assert CALLBACK in html
    assert other not in html
    assert "Applications OpenID Connect" in text_of(page)
    # Another realm's client is "not found" here, GET and POST alike.
    assert admin.get(f"{BASE}/clients/{other}/remove").status_code == 404


def test_remove_asks_for_confirmation_then_removes_and_audits(
    app: Flask, admin: FlaskClient, clock: FixedClock
) -> None:
    client_id = _register(app, clock)
    confirm = admin.get(f"{BASE}/clients/{client_id}/remove")
    assert confirm.status_code == 200
    text = text_of(confirm)
    assert "Supprimer l'application « Portail » ?" in text
    assert "1 utilisateur(s)" in text
    assert _exists(app, client_id)  # the GET changed nothing
    done = admin.post(
        f"{BASE}/clients/{client_id}/remove",
        data={"csrf_token": csrf_from(confirm.get_data(as_text=True)), "reason": "retired"},
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/admin/clients")
    assert "L'application « Portail » a été supprimée." in text_of(admin.get(f"{BASE}/clients"))
    assert not _exists(app, client_id)
    with app.app_context():
        assert db.session.scalars(select(OidcConsent)).all() == []
    (row,) = _audit(app, "oidc_client_removed")
    assert row.actor == ADMIN[0]
    assert row.details["target"] == client_id
    assert row.details["reason"] == "retired"
    # Twice: the client is gone.
    again = admin.post(
        f"{BASE}/clients/{client_id}/remove",
        data={"csrf_token": csrf_from(confirm.get_data(as_text=True)), "reason": "retired"},
    )
    assert again.status_code == 404


def test_remove_needs_csrf_and_a_reason(app: Flask, admin: FlaskClient, clock: FixedClock) -> None:
    client_id = _register(app, clock)
    no_csrf = admin.post(f"{BASE}/clients/{client_id}/remove", data={"reason": "x"})
    assert no_csrf.status_code == 400
    assert "Formulaire expiré" in text_of(no_csrf)
    page = admin.get(f"{BASE}/clients/{client_id}/remove").get_data(as_text=True)
    no_reason = admin.post(
        f"{BASE}/clients/{client_id}/remove", data={"csrf_token": csrf_from(page), "reason": ""}
    )
    assert no_reason.status_code == 200
    assert "Indiquez le motif de cette action." in text_of(no_reason)
    too_long = admin.post(
        f"{BASE}/clients/{client_id}/remove",
        data={"csrf_token": csrf_from(page), "reason": "x" * 201},
    )
    assert "Le motif ne peut pas dépasser 200 caractères." in text_of(too_long)
    assert _exists(app, client_id)
    assert _audit(app, "oidc_client_removed") == []


def _new(admin: FlaskClient, **data: str) -> Any:
    page = admin.get(f"{BASE}/clients/new").get_data(as_text=True)
    body = {"csrf_token": csrf_from(page), "name": "Espace", "reason": "ticket 7", **data}
    return admin.post(f"{BASE}/clients/new", data=body)


def test_add_shows_the_secret_once(app: Flask, admin: FlaskClient) -> None:
    resp = _new(admin, redirect_uris=f"{CALLBACK}\n  \nhttp://127.0.0.1:8765/cb\n")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Copiez ce secret maintenant" in text_of(resp)
    with app.app_context():
        row = db.session.scalars(select(OidcClient)).one()
        assert row.redirect_uris == [CALLBACK, "http://127.0.0.1:8765/cb"]
        assert row.secret_hash is not None
        assert row.secret_hash not in html
        client_id = row.client_id
    assert f'data-testid="client-id">{client_id}<' in html
    (audit,) = _audit(app, "oidc_client_added")
    assert audit.actor == ADMIN[0]
    assert audit.details["reason"] == "ticket 7"
    assert "client-secret" not in admin.get(f"{BASE}/clients").get_data(as_text=True)


def test_add_public_has_no_secret(app: Flask, admin: FlaskClient) -> None:
    resp = _new(admin, redirect_uris=CALLBACK, public="y")
    assert "PKCE (S256) obligatoire" in text_of(resp)
    assert 'data-testid="client-secret"' not in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("uris", "message"),
    [
        ("", "Indiquez au moins une adresse de retour."),
        ("   \n  ", "Indiquez au moins une adresse de retour."),
        ("portail/callback", "« portail/callback » n'est pas une adresse http(s) complète."),
        ("http://portail.example/cb", "doit utiliser https"),
        ("https://portail.example/cb#x", "ne doit pas contenir de fragment"),
        ("https://u:p@portail.example/cb", "le nom d'hôte n'est pas accepté"),
        ("https://portail.example/" + "a" * 2000, "Une adresse dépasse 2000 caractères."),
        ("\n".join(f"https://a.example/{i}" for i in range(21)), "Vingt adresses au plus."),
    ],
)
def test_add_refuses_bad_redirect_uris_precisely(
    app: Flask, admin: FlaskClient, uris: str, message: str
) -> None:
    resp = _new(admin, redirect_uris=uris)
    assert resp.status_code == 200
    assert message in text_of(resp)
    with app.app_context():
        assert db.session.scalars(select(OidcClient)).all() == []


def test_add_refuses_a_bad_logout_uri_and_a_missing_name(app: Flask, admin: FlaskClient) -> None:
    resp = _new(admin, redirect_uris=CALLBACK, post_logout_redirect_uris="ftp://x/")
    assert "« ftp://x/ » n'est pas une adresse http(s) complète." in text_of(resp)
    resp = _new(admin, redirect_uris=CALLBACK, name="")
    assert "Indiquez le nom de l'application." in text_of(resp)
    resp = _new(admin, redirect_uris=CALLBACK, reason="")
    assert "Indiquez le motif de cette action." in text_of(resp)
    with app.app_context():
        assert db.session.scalars(select(OidcClient)).all() == []


def test_the_console_is_in_english_too(app: Flask, client: FlaskClient, clock: FixedClock) -> None:
    client_id = _register(app, clock)
    _grant(app, "metamots", ADMIN[0])
    login(client, "metamots", *ADMIN, language="en")
    assert "OpenID Connect applications" in text_of(client.get(f"{BASE}/clients"))
    assert "Delete the application « Portail »?" in text_of(
        client.get(f"{BASE}/clients/{client_id}/remove")
    )


@pytest.fixture
def token(app: Flask, clock: FixedClock) -> str:
    with app.app_context():
        realm = get_realm("metamots")
        assert realm is not None
        _row, value = tokens.issue(realm, "helpdesk", now=clock.now(), days=30)
        db.session.commit()
    return value


def test_the_api_lists_adds_and_removes(
    app: Flask, client: FlaskClient, clock: FixedClock, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    first = _register(app, clock)
    listed = client.get(f"{API}/clients", headers=auth).get_json()
    assert [(c["client_id"], c["consents"]) for c in listed["clients"]] == [(first, 1)]
    assert "client_secret" not in listed["clients"][0]
    made = client.post(
        f"{API}/clients",
        json={"name": "Espace", "redirect_uris": [CALLBACK], "reason": "ticket 9"},
        headers=auth,
    )
    assert made.status_code == 201
    body = made.get_json()
    assert body["client_secret"]
    bad = client.post(
        f"{API}/clients",
        json={"name": "Espace", "redirect_uris": ["http://evil.example/"], "reason": "x"},
        headers=auth,
    )
    assert bad.status_code == 400
    assert bad.get_json()["error"] == "invalid_client_metadata"
    missing = client.post(f"{API}/clients", json={"name": "x", "reason": "x"}, headers=auth)
    assert missing.get_json()["error"] == "invalid_request"
    no_reason = client.delete(f"{API}/clients/{first}", json={}, headers=auth)
    assert no_reason.status_code == 400
    gone = client.delete(f"{API}/clients/{first}", json={"reason": "retired"}, headers=auth)
    assert gone.get_json() == {"client_id": first, "removed": True}
    again = client.delete(f"{API}/clients/{first}", json={"reason": "retired"}, headers=auth)
    assert again.status_code == 404
    assert again.get_json()["error"] == "client_not_found"
    (row,) = _audit(app, "oidc_client_removed")
    assert row.actor == "token:helpdesk"
    assert row.details["reason"] == "retired"
    assert client.get(f"{API}/clients").status_code == 401
