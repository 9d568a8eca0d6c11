"""``GET /realms/<slug>/analysis``: the admin guard, test mode, the graph and its absence."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.analysis import graph
from idp.extensions import db
from idp.realms.store import get_realm
from idp.users.service import find_user
from tests.idp.conftest import login, text_of

ADMIN = ("sophie.bernard", "Azur!Riviera7")  # metamots: no push, the password suffices
OTHER = ("julien.moreau", "Lettres&Mots9")


def _grant(app: Flask, realm: str, username: str) -> None:
    with app.app_context():
        user = find_user(get_realm(realm), username)  # type: ignore[arg-type]
        assert user is not None
        user.is_admin = True
        db.session.commit()


def test_anonymous_goes_to_sign_in(client: FlaskClient) -> None:
    resp = client.get("/realms/metamots/analysis")
    assert resp.status_code == 302
    assert "/realms/metamots/login" in resp.headers["Location"]


def test_a_user_who_is_not_admin_gets_403(client: FlaskClient) -> None:
    login(client, "metamots", *OTHER)
    assert client.get("/realms/metamots/analysis").status_code == 403


def test_the_admin_of_another_realm_gets_sent_to_sign_in(app: Flask, client: FlaskClient) -> None:
    _grant(app, "metamots", ADMIN[0])
    login(client, "metamots", *ADMIN)
    assert client.get("/realms/uphf/analysis").status_code == 302


def test_an_unknown_realm_is_404(client: FlaskClient) -> None:
    assert client.get("/realms/nope/analysis").status_code == 404


def test_the_realm_admin_sees_the_analysis_with_its_graph(app: Flask, client: FlaskClient) -> None:
    _grant(app, "metamots", ADMIN[0])
    login(client, "metamots", *ADMIN)
    resp = client.get("/realms/metamots/analysis")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<svg" in html
    assert "<?xml" not in html  # dot's prologue is stripped before inlining
    text = text_of(resp)
    assert "Analyse de la politique de récupération" in text
    assert "Lien reçu par mail" in text
    assert 'data-finding="email_or_sms_sole_recovery_factor"' in html
    # The admin navigation links to it.
    console = client.get("/realms/metamots/admin/").get_data(as_text=True)
    assert 'href="/realms/metamots/analysis"' in console


def test_jasmin_admin_needs_the_second_factor(app: Flask, client: FlaskClient) -> None:
    _grant(app, "jasmin", "camille.martin")
    login(client, "jasmin", "camille.martin", "Tournesol-Vert-42!")  # no device: no mfa
    assert client.get("/realms/jasmin/analysis").status_code == 403


@pytest.mark.parametrize("app_config", [{"TEST_MODE": True}])
def test_test_mode_opens_the_page_to_anyone(client: FlaskClient, app_config: Any) -> None:
    resp = client.get("/realms/uphf/analysis", headers={"Accept-Language": "en"})
    assert resp.status_code == 200
    text = text_of(resp)
    assert "Recovery policy analysis" in text
    assert "Personal data + joker answer" in text
    assert "Secret question (“joker question”) used for recovery" in text


@pytest.mark.parametrize("app_config", [{"TEST_MODE": True}])
def test_without_dot_the_page_says_so_and_keeps_the_text(
    client: FlaskClient, app_config: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph.render_svg.cache_clear()
    monkeypatch.setattr(graph.shutil, "which", lambda _name: None)
    resp = client.get("/realms/jasmin/analysis")
    graph.render_svg.cache_clear()
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<svg" not in html
    assert 'data-testid="no-graph"' in html
    assert "Notification approuvée dans l'application" in text_of(resp)
