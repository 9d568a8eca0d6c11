"""The "Votre mot de passe a été modifié" notice mailed by apply_new_password."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.audit.service import ClientInfo, query
from idp.extensions import db
from idp.realms.store import get_realm
from idp.users.password_change import apply_new_password
from idp.users.service import create_user, find_user
from tests.conftest import FIXED_NOW
from tests.idp.auth.test_auth_views import demo_user
from tests.idp.conftest import csrf_from, login
from tests.support.smtp import SmtpServer

NEW = "Nouveau-Tournesol-2027!"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _change(client: FlaskClient, username: str, password: str) -> Any:
    page = client.get("/realms/jasmin/password/change").get_data(as_text=True)
    return client.post(
        "/realms/jasmin/password/change",
        data={
            "csrf_token": csrf_from(page),
            "identifier": username,
            "current_password": password,
            "new_password": NEW,
            "confirmation": NEW,
        },
        headers={"User-Agent": FIREFOX},
    )


def test_a_french_user_gets_the_notice_in_french(app: Flask, client: FlaskClient) -> None:
    username, password = demo_user("jasmin", 0)
    assert _change(client, username, password).status_code == 302
    [mail] = app.extensions["idp.outbox"].as_json()
    assert mail["to"] == "camille.martin@cfa-jasmin.example"
    assert (mail["kind"], mail["language"]) == ("password_changed", "fr")
    assert mail["subject"] == "Votre mot de passe a été modifié"
    assert "Bonjour Camille Martin," in mail["text"]
    assert "le 24 novembre 2026" in mail["text"]
    assert "Adresse IP\u00a0: 127.0.0.1" in mail["text"]  # French typography
    assert "Navigateur\u00a0: Firefox 133 (Linux)" in mail["text"]
    assert "http://127.0.0.1:5000/realms/jasmin/login" in mail["text"]
    assert NEW not in mail["text"]
    assert NEW not in mail["html"]
    with app.app_context():
        [sent] = list(query(event="mail_sent"))
        user = find_user(get_realm("jasmin"), username)
        assert sent.actor == username
        assert sent.details["kind"] == "password_changed"
        assert user is not None


def test_an_english_user_gets_it_in_english(app: Flask, client: FlaskClient) -> None:
    username, password = demo_user("jasmin", 1)
    assert _change(client, username, password).status_code == 302
    [mail] = app.extensions["idp.outbox"].as_json()
    assert mail["language"] == "en"
    assert mail["subject"] == "Your password was changed"
    assert "Hello Théo Lefebvre," in mail["text"]


def test_no_address_no_mail(app: Flask) -> None:
    with app.app_context():
        hasher = app.extensions["idp.hasher"]
        user = create_user(
            get_realm("jasmin"),
            "sans.adresse",
            password="Ancien-Mot-2026!",
            hasher=hasher,
            now=FIXED_NOW,
        )
        db.session.flush()
        apply_new_password(
            user, NEW, hasher=hasher, now=FIXED_NOW, client=ClientInfo(), reason="change"
        )
        db.session.commit()
        assert list(query(event="mail_sent")) == []
    assert app.extensions["idp.outbox"].as_json() == []


class TestOverSmtp:
    @pytest.fixture
    def app_config(self, smtp_config: dict[str, Any]) -> dict[str, Any]:
        return smtp_config

    def test_the_notice_is_delivered(self, client: FlaskClient, smtp_server: SmtpServer) -> None:
        username, password = demo_user("jasmin", 0)
        assert _change(client, username, password).status_code == 302
        [mail] = smtp_server.wait_for(1)
        assert mail["To"] == "camille.martin@cfa-jasmin.example"
        assert mail["Subject"] == "Votre mot de passe a été modifié"

    def test_a_failing_server_does_not_undo_the_change(
        self, app: Flask, client: FlaskClient, smtp_server: SmtpServer
    ) -> None:
        smtp_server.fail_with("554 5.7.1 Message refused")
        username, password = demo_user("jasmin", 0)
        resp = _change(client, username, password)
        assert resp.status_code == 302
        assert resp.headers["Location"].endswith("/realms/jasmin/login")
        assert login(client, "jasmin", username, NEW).status_code == 302
        assert smtp_server.messages == []
        with app.app_context():
            [failed] = list(query(event="mail_failed"))
            assert failed.details["reason"] == "refused"
            assert [e.outcome for e in query(event="password_changed")] == ["success"]
