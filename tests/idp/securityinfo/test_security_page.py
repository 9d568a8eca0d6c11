"""« Mes informations de sécurité »: methods, sessions and recent activity."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from idp.extensions import db
from idp.models import AuditEvent, BrowserSession, Device
from idp.realms.store import get_realm
from idp.security.passwords import current_hasher
from idp.users.attributes import normalise_answer
from idp.users.service import find_user
from tests.idp.conftest import csrf_from, login, text_of

META = ("sophie.bernard", "Azur!Riviera7")
UPHF = ("lea.dubois", "Valenciennes@2025")
JASMIN = ("camille.martin", "Tournesol-Vert-42!")
COOKIE = "idp_session"


def _page(client: FlaskClient, realm: str, path: str = "") -> str:
    resp = client.get(f"/realms/{realm}/security{path}")
    assert resp.status_code == 200, resp.status_code
    return text_of(resp)


def _post(client: FlaskClient, realm: str, path: str, **data: Any) -> Any:
    page = client.get(f"/realms/{realm}/security").get_data(as_text=True)
    return client.post(
        f"/realms/{realm}/security{path}", data={"csrf_token": csrf_from(page), **data}
    )


def _sessions(app: Flask) -> list[BrowserSession]:
    with app.app_context():
        return list(db.session.scalars(select(BrowserSession).order_by(BrowserSession.id)))


def _events(app: Flask, event: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)))


def _mails(app: Flask) -> list[dict[str, Any]]:
    return list(app.extensions["idp.outbox"].as_json())


def test_requires_sign_in(client: FlaskClient) -> None:
    resp = client.get("/realms/metamots/security")
    assert resp.status_code == 302
    assert "/realms/metamots/login" in resp.headers["Location"]


def test_page_lists_methods_sessions_and_activity(app: Flask, client: FlaskClient) -> None:
    login(client, "metamots", META[0], "wrong password")
    login(client, "metamots", *META)
    html = _page(client, "metamots")
    assert "Informations de sécurité" in html
    assert "sophie.bernard@entreprise.example" in html
    assert "Question secrète" not in html  # metamots recovers by email, not by a joker
    assert "Application Authenticator" not in html  # no push in this realm
    assert "cette session" in html
    assert "Se déconnecter partout ailleurs" in html
    assert "Connexion réussie" in html
    assert "Échec de connexion" in html
    # The current session has no « end » button: logout is for that.
    assert "Se déconnecter de cette session" not in html


def test_recent_activity_shows_the_last_twenty(app: Flask, client: FlaskClient) -> None:
    for _ in range(25):
        login(client, "metamots", META[0], "wrong password")
    login(client, "metamots", *META)
    html = _page(client, "metamots")
    assert html.count("Échec de connexion") == 19
    assert html.count("Connexion réussie") == 1


def test_end_one_other_session(app: Flask, client: FlaskClient) -> None:
    other = app.test_client()
    login(other, "metamots", *META)
    saved = other.get_cookie(COOKIE).value  # type: ignore[union-attr]
    login(client, "metamots", *META)
    html = _page(client, "metamots")
    assert html.count("Se déconnecter de cette session") == 1
    first = _sessions(app)[0]
    resp = _post(client, "metamots", "/sessions/end", session_id=str(first.id))
    assert resp.status_code == 302
    thief = app.test_client()
    thief.set_cookie(COOKIE, saved)
    assert thief.get("/realms/metamots/profile").status_code == 302
    assert client.get("/realms/metamots/profile").status_code == 200
    assert [s.revoked_reason for s in _sessions(app)] == ["user", None]


def test_one_other_session_is_said_in_the_singular(app: Flask, client: FlaskClient) -> None:
    login(app.test_client(), "metamots", *META)
    login(client, "metamots", *META)
    _post(client, "metamots", "/sessions/end-others")
    assert "1 autre session fermée." in text_of(client.get("/realms/metamots/security"))


def test_logout_everywhere_else_keeps_this_session(app: Flask, client: FlaskClient) -> None:
    others = [app.test_client() for _ in range(2)]
    for other in others:
        login(other, "metamots", *META)
    login(client, "metamots", *META)
    resp = _post(client, "metamots", "/sessions/end-others")
    assert resp.status_code == 302
    assert "2 autres sessions fermées." in text_of(client.get("/realms/metamots/security"))
    for other in others:
        assert other.get("/realms/metamots/profile").status_code == 302
    assert client.get("/realms/metamots/profile").status_code == 200
    assert [s.revoked_reason for s in _sessions(app)] == ["logout_everywhere"] * 2 + [None]
    assert _events(app, "sessions_ended")[0].details == {"reason": "logout_everywhere", "count": 2}


def test_someone_elses_session_is_not_found(app: Flask, client: FlaskClient) -> None:
    victim = app.test_client()
    login(victim, "metamots", "julien.moreau", _password("metamots", "julien.moreau"))
    login(client, "metamots", *META)
    victim_session = _sessions(app)[0]
    for session_id in (str(victim_session.id), "999999"):
        assert _post(client, "metamots", "/sessions/end", session_id=session_id).status_code == 404
    assert _post(client, "metamots", "/sessions/end", session_id="abc").status_code == 400
    assert victim.get("/realms/metamots/profile").status_code == 200


def _password(realm: str, username: str) -> str:
    from idp.realms.preset import load_builtin_presets

    preset = next(p for p in load_builtin_presets() if p.slug == realm)
    user = next(u for u in preset.demo_users if u.username == username)
    assert user.password
    return user.password


@pytest.mark.parametrize(
    "path",
    ["/sessions/end", "/sessions/end-others", "/email", "/devices/add"],
)
def test_every_form_needs_its_csrf_token(client: FlaskClient, path: str) -> None:
    login(
        client,
        "jasmin" if "devices" in path else "metamots",
        *(JASMIN if "devices" in path else META),
    )
    realm = "jasmin" if "devices" in path else "metamots"
    resp = client.post(f"/realms/{realm}/security{path}", data={"session_id": "1"})
    assert resp.status_code == 400
    assert "Formulaire expiré" in text_of(resp)


def test_email_change_asks_for_the_current_password(app: Flask, client: FlaskClient) -> None:
    login(client, "metamots", *META)
    wrong = _post(
        client, "metamots", "/email", email="new@entreprise.example", current_password="x"
    )
    assert wrong.status_code == 200
    assert "Mot de passe incorrect." in text_of(wrong)
    assert _events(app, "security_info_reauth")[0].details == {"action": "email"}
    ok = _post(
        client, "metamots", "/email", email="new@entreprise.example", current_password=META[1]
    )
    assert ok.status_code == 302
    # Not used until verified: the link goes to the new address.
    link = verification_link(app, "new@entreprise.example")
    assert _email(app) == "sophie.bernard@entreprise.example"
    page = client.get(link)
    done = client.post(link, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200
    assert _email(app) == "new@entreprise.example"
    event = _events(app, "email_changed")[0]
    assert event.details == {"old_domain": "entreprise.example", "new_domain": "entreprise.example"}
    notices = [m for m in _mails(app) if "informations de sécurité" in m["subject"]]
    assert sorted(m["to"][0] if isinstance(m["to"], list) else m["to"] for m in notices) == [
        "new@entreprise.example",
        "sophie.bernard@entreprise.example",
    ]


def _email(app: Flask) -> str | None:
    with app.app_context():
        user = find_user(get_realm("metamots"), META[0])
        assert user is not None
        return user.email


def verification_link(app: Flask, to: str) -> str:
    """The path of the last verification link mailed to ``to``."""
    import re

    mails = [m for m in _mails(app) if m["kind"] == "email_verification" and m["to"] == to]
    assert mails, _mails(app)
    match = re.search(r"http://[^/\s]+(/realms/\S+/security/email/verify/\S+)", mails[-1]["text"])
    assert match is not None
    return match.group(1)


def test_bad_email_is_refused_with_a_message(app: Flask, client: FlaskClient) -> None:
    login(client, "metamots", *META)
    resp = _post(client, "metamots", "/email", email="not an address", current_password=META[1])
    assert resp.status_code == 200
    assert "Cette adresse de messagerie n'est pas valide." in text_of(resp)
    assert _events(app, "email_changed") == []


def test_secret_question_only_where_the_realm_uses_one(client: FlaskClient) -> None:
    login(client, "metamots", *META)
    assert client.get("/realms/metamots/security/secret-question").status_code == 404


def test_secret_question_change_on_uphf(app: Flask, client: FlaskClient) -> None:
    login(client, "uphf", *UPHF)
    html = _page(client, "uphf")
    assert "Quel est le nom de votre premier animal de compagnie ?" in html
    wrong = _post(
        client,
        "uphf",
        "/secret-question",
        question="Ma ville ?",
        answer="Lille",
        current_password="x",
    )
    assert "Mot de passe incorrect." in text_of(wrong)
    ok = _post(
        client,
        "uphf",
        "/secret-question",
        question="Dans quelle rue habitiez-vous ?",
        answer="Rue des Lilas",
        current_password=UPHF[1],
    )
    assert ok.status_code == 302
    with app.app_context():
        user = find_user(get_realm("uphf"), UPHF[0])
        assert user is not None
        assert user.attribute("secret_question") == "Dans quelle rue habitiez-vous ?"
        stored = user.attribute("secret_answer_hash")
        assert current_hasher().verify(stored, normalise_answer("rue des lilas"))
    assert len(_events(app, "secret_question_changed")) == 1
    assert any("question secrète" in m["text"] for m in _mails(app))


def _add_device(app: Flask, username: str) -> str:
    from datetime import UTC, datetime

    with app.app_context():
        user = find_user(get_realm("jasmin"), username)
        assert user is not None
        device = Device(
            id="dev-test-1",
            user_id=user.id,
            name="Pixel 8",
            platform="android",
            public_jwk={},
            jwk_thumbprint="t" * 43,
            enrolled_at=datetime(2026, 11, 1, tzinfo=UTC),
        )
        db.session.add(device)
        db.session.commit()
        return device.id


def test_device_removal_asks_for_the_current_password(app: Flask, client: FlaskClient) -> None:
    # No device yet: jasmin signs in with the password alone.
    login(client, "jasmin", *JASMIN)
    device_id = _add_device(app, JASMIN[0])
    html = _page(client, "jasmin")
    assert "Pixel 8" in html
    page = client.get(f"/realms/jasmin/security/devices/{device_id}/remove")
    token = csrf_from(page.get_data(as_text=True))
    path = f"/realms/jasmin/security/devices/{device_id}/remove"
    wrong = client.post(path, data={"csrf_token": token, "current_password": "nope"})
    assert "Mot de passe incorrect." in text_of(wrong)
    ok = client.post(path, data={"csrf_token": token, "current_password": JASMIN[1]})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.get(Device, device_id).revoked_at is not None  # type: ignore[union-attr]
    assert client.get(path).status_code == 404
    assert any("Pixel 8" in m["text"] for m in _mails(app))


def test_someone_elses_device_is_not_found(app: Flask, client: FlaskClient) -> None:
    device_id = _add_device(app, "theo.lefebvre")
    login(client, "jasmin", *JASMIN)
    assert client.get(f"/realms/jasmin/security/devices/{device_id}/remove").status_code == 404


def test_adding_a_device_asks_for_the_password_then_shows_the_offer(
    client: FlaskClient,
) -> None:
    login(client, "jasmin", *JASMIN)
    page = client.get("/realms/jasmin/security/devices/add").get_data(as_text=True)
    token = csrf_from(page)
    wrong = client.post(
        "/realms/jasmin/security/devices/add", data={"csrf_token": token, "current_password": "x"}
    )
    assert "otpauth://" not in text_of(wrong)
    ok = client.post(
        "/realms/jasmin/security/devices/add",
        data={"csrf_token": token, "current_password": JASMIN[1]},
    )
    assert "otpauth://idp-push/" in text_of(ok)


def test_english_page(client: FlaskClient) -> None:
    login(client, "metamots", *META, language="en")
    html = _page(client, "metamots")
    assert "Security info" in html
    assert "Sign out everywhere else" in html
