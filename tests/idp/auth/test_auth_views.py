"""Sign-in through /realms/<slug>/login, with every kind of bad input."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.clock import FixedClock
from idp.extensions import db
from idp.realms.store import get_realm
from idp.security.passwords import current_hasher
from idp.users.service import find_user, set_password
from tests.idp.conftest import csrf_from, login, text_of

JASMIN_USER = "camille.martin"


def demo_user(realm: str, index: int = 0) -> tuple[str, str]:
    from idp.realms.preset import load_builtin_presets

    preset = next(p for p in load_builtin_presets() if p.slug == realm)
    user = preset.demo_users[index]
    return user.username, user.password


@pytest.fixture
def jasmin_user() -> tuple[str, str]:
    return demo_user("jasmin")


def test_sign_in_lands_on_profile_with_change_password_link(
    client: FlaskClient, jasmin_user: tuple[str, str]
) -> None:
    resp = login(client, "jasmin", *jasmin_user)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/realms/jasmin/profile")
    page = client.get("/realms/jasmin/profile").get_data(as_text=True)
    assert "Changer de mot de passe" in page
    assert jasmin_user[0] in page


def test_identifier_is_case_insensitive(client: FlaskClient, jasmin_user: tuple[str, str]) -> None:
    resp = login(client, "jasmin", jasmin_user[0].upper(), jasmin_user[1])
    assert resp.status_code == 302


def _normalise(html: str) -> str:
    html = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)
    return re.sub(r'value="[^"]*"', 'value=""', html)


def test_wrong_password_and_unknown_user_look_the_same(
    client: FlaskClient, jasmin_user: tuple[str, str]
) -> None:
    wrong = login(client, "jasmin", jasmin_user[0], "not the password")
    unknown = login(client, "jasmin", "nobody.here", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in wrong.get_data(as_text=True)
    assert _normalise(wrong.get_data(as_text=True)) == _normalise(unknown.get_data(as_text=True))
    assert sorted(wrong.headers.keys()) == sorted(unknown.headers.keys())


def test_empty_fields_get_field_errors(client: FlaskClient) -> None:
    resp = login(client, "jasmin", "", "")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Vous devez entrer votre identifiant." in page
    assert "Vous devez entrer votre mot de passe." in page


def test_oversized_fields_are_refused_with_a_message(client: FlaskClient) -> None:
    resp = login(client, "jasmin", "a" * 500, "b" * 500)
    page = text_of(resp)
    assert resp.status_code == 200
    assert "L'identifiant ne peut pas dépasser 120 caractères." in page
    assert "Le mot de passe ne peut pas dépasser 256 caractères." in page


def test_oversized_body_is_a_clear_413(client: FlaskClient) -> None:
    resp = client.post("/realms/jasmin/login", data={"identifier": "x" * 200_000})
    assert resp.status_code == 413
    assert "trop volumineuses" in resp.get_data(as_text=True)


def test_invalid_utf8_is_not_a_500(client: FlaskClient) -> None:
    page = client.get("/realms/jasmin/login").get_data(as_text=True)
    body = b"csrf_token=" + csrf_from(page).encode() + b"&identifier=%ff%fe&password=%c3%28"
    resp = client.post(
        "/realms/jasmin/login", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert resp.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in resp.get_data(as_text=True)


def test_missing_csrf_token_is_refused_clearly(
    client: FlaskClient, jasmin_user: tuple[str, str]
) -> None:
    resp = client.post(
        "/realms/jasmin/login", data={"identifier": jasmin_user[0], "password": jasmin_user[1]}
    )
    assert resp.status_code == 400
    page = text_of(resp)
    assert "Le formulaire a expiré" in page
    assert "Recharger la page" in page
    assert client.get("/realms/jasmin/profile").status_code == 302  # not signed in


def test_unknown_realm_is_a_404_in_the_realmless_layout(client: FlaskClient) -> None:
    resp = client.get("/realms/nope/login")
    assert resp.status_code == 404
    page = resp.get_data(as_text=True)
    assert "Page introuvable" in page
    assert 'class="realmless"' in page


def test_profile_requires_sign_in(client: FlaskClient) -> None:
    resp = client.get("/realms/jasmin/profile")
    assert resp.status_code == 302
    assert "/realms/jasmin/login?next=" in resp.headers["Location"]


def test_next_parameter_cannot_redirect_off_site(
    client: FlaskClient, jasmin_user: tuple[str, str]
) -> None:
    page = client.get("/realms/jasmin/login").get_data(as_text=True)
    resp = client.post(
        "/realms/jasmin/login?next=//evil.example/x",
        data={
            "csrf_token": csrf_from(page),
            "identifier": jasmin_user[0],
            "password": jasmin_user[1],
        },
    )
    assert resp.headers["Location"].endswith("/realms/jasmin/profile")


def test_session_of_one_realm_is_not_valid_in_another(
    client: FlaskClient, jasmin_user: tuple[str, str]
) -> None:
    login(client, "jasmin", *jasmin_user)
    assert client.get("/realms/metamots/profile").status_code == 302


def test_logout_ends_the_session(client: FlaskClient, jasmin_user: tuple[str, str]) -> None:
    login(client, "jasmin", *jasmin_user)
    page = client.get("/realms/jasmin/profile").get_data(as_text=True)
    resp = client.post("/realms/jasmin/logout", data={"csrf_token": csrf_from(page)})
    assert resp.status_code == 302
    assert client.get("/realms/jasmin/profile").status_code == 302


def test_password_change_ends_every_session(
    app: Flask, client: FlaskClient, jasmin_user: tuple[str, str], clock: FixedClock
) -> None:
    other = app.test_client()
    login(client, "jasmin", *jasmin_user)
    login(other, "jasmin", *jasmin_user)
    assert other.get("/realms/jasmin/profile").status_code == 200
    with app.app_context():
        user = find_user(get_realm("jasmin"), jasmin_user[0])
        set_password(user, "Another-Strong-Pass-2026", hasher=current_hasher(), now=clock.now())
        db.session.commit()
    assert client.get("/realms/jasmin/profile").status_code == 302
    assert other.get("/realms/jasmin/profile").status_code == 302


def test_sign_in_attempts_are_audited(
    app: Flask, client: FlaskClient, jasmin_user: tuple[str, str]
) -> None:
    from idp.audit.service import query

    login(client, "jasmin", jasmin_user[0], "wrong")
    login(client, "jasmin", *jasmin_user)
    with app.app_context():
        events = [(e.event, e.outcome, e.actor) for e in query(realm="jasmin", event="sign_in")]
        failure = next(e for e in query(realm="jasmin") if e.outcome == "failure")
    assert ("sign_in", "failure", jasmin_user[0]) in events
    assert ("sign_in", "success", jasmin_user[0]) in events
    assert failure.details == {"reason": "bad_password"}
    assert failure.ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("realm", "labels"),
    [
        ("jasmin", ["Identifiant", "Mot de passe", "Se connecter"]),
        (
            "metamots",
            [
                "Se connecter",
                "Identifiant*",
                "Mot de passe*",
                "Langue de l'interface*",
                "Connexion",
                "Les champs avec * sont obligatoires.",
                "Bienvenue sur l'espace SaaS du Service en ligne Metamots.",
            ],
        ),
        (
            "uphf",
            [
                "Service Central d'Authentification (CAS)",
                "Entrez votre identifiant et votre mot de passe.",
                "Identifiant :*",
                "Mot de passe :*",
                "Se connecter",
                "Vos identifiants sont strictement confidentiels",
            ],
        ),
        ("nouvelle-aquitaine", ["Mes démarches en Nouvelle-Aquitaine", "Se connecter"]),
    ],
)
def test_login_pages_carry_the_seed_labels(
    client: FlaskClient, realm: str, labels: list[str]
) -> None:
    page = client.get(f"/realms/{realm}/login").get_data(as_text=True)
    import html

    from tests.idp.conftest import plain

    text = plain(html.unescape(page))
    for label in labels:
        assert label in text, label


def test_metamots_language_choice_switches_and_persists(app: Flask, client: FlaskClient) -> None:
    username, password = demo_user("metamots")
    resp = login(client, "metamots", username, password, language="en")
    assert resp.status_code == 302
    page = client.get("/realms/metamots/profile").get_data(as_text=True)
    assert "Change password" in page
    with app.app_context():
        assert find_user(get_realm("metamots"), username).language == "en"
