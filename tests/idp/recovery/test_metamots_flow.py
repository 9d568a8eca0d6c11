"""The metamots flow (seed 003): identity attributes, a mailed link, the same five fields again."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.clock import FixedClock
from tests.idp.conftest import csrf_from, login, text_of

BASE = "/realms/metamots/recovery"
IDENTITY = {
    "email": "sophie.bernard@entreprise.example",
    "first_name": "sophie",
    "last_name": "BERNARD",
    "country": "FR",
    "organisation_type": "Entreprise",
}
NEW = "Nouvel!Azur2027"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"TEST_MODE": True, "RESET_MAIL_IN_BACKGROUND": False}


def _form(client: FlaskClient, path: str) -> dict[str, str]:
    page = client.get(path).get_data(as_text=True)
    return dict(re.findall(r'name="(csrf_token|flow_version)"[^>]*value="([^"]*)"', page))


def _request(client: FlaskClient, **identity: str) -> Any:
    client.get(f"{BASE}/")
    return client.post(
        f"{BASE}/identify_by_attributes",
        data={**_form(client, f"{BASE}/identify_by_attributes"), **identity},
    )


def _links(app: Flask) -> list[str]:
    return [
        re.search(r"(/realms/metamots/recovery/link/\S+)", m["text"]).group(1)  # type: ignore[union-attr]
        for m in app.extensions["idp.outbox"].as_json()
        if "/link/" in m["text"]
    ]


def _recreate(client: FlaskClient, link: str, **fields: str) -> Any:
    resp = client.get(link)
    assert resp.headers["Location"].endswith(f"{BASE}/set_password"), text_of(resp)
    return client.post(
        f"{BASE}/set_password",
        data={**_form(client, f"{BASE}/set_password"), **IDENTITY, "new_password": NEW, **fields},
    )


def test_login_page_and_request_form_labels(client: FlaskClient) -> None:
    page = text_of(client.get("/realms/metamots/login"))
    assert "Vous avez oublié votre mot de passe ?" in page
    assert "Réinitialiser votre mot de passe" in page
    assert "Créer un compte" in page
    client.get(f"{BASE}/")
    page = text_of(client.get(f"{BASE}/identify_by_attributes"))
    for label in (
        "Mot de passe oublié",
        "Email*",
        "Prénom*",
        "Nom*",
        "Pays*",
        "Qualité*",
        "Demande de mot de passe",
        "Les champs avec * sont obligatoires.",
    ):
        assert label in page
    assert '<option selected value="FR">France</option>' in page
    assert '<option selected value="Entreprise">Entreprise</option>' in page
    assert ">Belgique<" in page
    assert ">Japon<" in page


def test_whole_flow_then_sign_in(app: Flask, client: FlaskClient) -> None:
    resp = _request(client, **IDENTITY)
    assert resp.headers["Location"].endswith(f"{BASE}/verify_email_link")
    assert "Demande prise en compte" in text_of(client.get(f"{BASE}/verify_email_link"))
    [link] = _links(app)
    other_browser = app.test_client()  # the mail is often opened elsewhere
    page = text_of(other_browser.get(other_browser.get(link).headers["Location"]))
    for label in (
        "Recréer un mot de passe",
        "Nouveau mot de passe*",
        "Modifier le mot de passe",
        "Il doit contenir au moins 8 caractères.",
    ):
        assert label in page
    resp = other_browser.post(
        f"{BASE}/set_password",
        data={**_form(other_browser, f"{BASE}/set_password"), **IDENTITY, "new_password": NEW},
    )
    page = text_of(other_browser.get(resp.headers["Location"]))
    assert "Changement de mot de passe effectué" in page
    # The guide's disclaimer about its own pictures is not the page's business.
    assert "soufflets" not in page
    assert "Ne communiquez votre mot de passe à personne." in page
    assert login(app.test_client(), "metamots", "sophie.bernard", NEW).status_code == 302


def test_no_enumeration_same_answer(app: Flask) -> None:
    def answer(**identity: str) -> tuple[int, str]:
        client = app.test_client()
        resp = _request(client, **identity)
        page = client.get(resp.headers["Location"])
        body = re.sub(r'value="[^"]*"', "", page.get_data(as_text=True))
        return resp.status_code, body

    matching = answer(**IDENTITY)
    wrong_name = answer(**{**IDENTITY, "first_name": "Sophia"})
    unknown = answer(**{**IDENTITY, "email": "nobody@entreprise.example"})
    assert matching == wrong_name == unknown
    assert len(_links(app)) == 1  # mailed only when all five match


def test_names_ignore_case_and_accents(app: Flask, client: FlaskClient) -> None:
    _request(
        client,
        email="helene.lefevre@universite.example",
        first_name="HELENE",
        last_name="lefevre",
        country="FR",
        organisation_type="Établissement d'enseignement ou de recherche",
    )
    assert len(_links(app)) == 1


def test_per_field_errors(client: FlaskClient) -> None:
    page = text_of(
        _request(
            client, email="x", first_name="", last_name="", country="ZZ", organisation_type="Pirate"
        )
    )
    for message in (
        "Cette adresse de messagerie n'est pas valide.",
        "Vous devez saisir votre prénom.",
        "Vous devez saisir votre nom.",
        "N'est pas un choix valide.",
    ):
        assert message in page
    assert page.count("N'est pas un choix valide.") == 2


@pytest.mark.parametrize("tamper", ["x", "A" * 43, "", "../../etc"])
def test_tampered_link(client: FlaskClient, tamper: str) -> None:
    resp = client.get(f"{BASE}/link/{tamper}" if tamper else f"{BASE}/link/%20")
    assert resp.status_code in {404, 410}
    if resp.status_code == 410:
        assert "Ce lien n'est plus valide" in text_of(resp)


def test_link_is_single_use(app: Flask, client: FlaskClient) -> None:
    _request(client, **IDENTITY)
    [link] = _links(app)
    assert client.get(link).status_code == 302
    again = app.test_client().get(link)
    assert again.status_code == 410
    assert "Faire une nouvelle demande" in text_of(again)


def test_link_expires(app: Flask, client: FlaskClient, clock: FixedClock) -> None:
    _request(client, **IDENTITY)
    [link] = _links(app)
    clock.advance(timedelta(hours=1, seconds=1))
    assert client.get(link).status_code == 410


def test_newer_request_supersedes(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    _request(first, **IDENTITY)
    _request(second, **IDENTITY)
    old, new = _links(app)
    assert first.get(old).status_code == 410
    assert second.get(new).status_code == 302


def test_password_change_voids_the_link(app: Flask, client: FlaskClient, clock: FixedClock) -> None:
    _request(client, **IDENTITY)
    [link] = _links(app)
    clock.advance(timedelta(minutes=1))
    page = app.test_client()
    form = page.get("/realms/metamots/password/change").get_data(as_text=True)
    page.post(
        "/realms/metamots/password/change",
        data={
            "csrf_token": csrf_from(form),
            "identifier": "sophie.bernard",
            "current_password": "Azur!Riviera7",
            "new_password": NEW,
            "confirmation": NEW,
        },
    )
    assert client.get(link).status_code == 410


def test_identity_must_match_again(app: Flask, client: FlaskClient) -> None:
    _request(client, **IDENTITY)
    [link] = _links(app)
    resp = _recreate(client, link, last_name="Bernardi")
    page = text_of(resp)
    assert "Les informations saisies ne correspondent pas à celles de votre compte." in page
    # One neutral message at the top of the form, under no field (the last name was wrong,
    # the message used to sit under Email whatever the field).
    html = resp.get_data(as_text=True)
    assert 'class="errors"' not in html
    assert html.index("ne correspondent pas") < html.index('id="new-password-form"')
    assert login(app.test_client(), "metamots", "sophie.bernard", NEW).status_code == 200


def test_wrong_identity_tries_are_limited(app: Flask, client: FlaskClient) -> None:
    from idp.recovery.steps.set_password import MAX_IDENTITY_MISMATCHES

    _request(client, **IDENTITY)
    [link] = _links(app)
    client.get(link)
    path = f"{BASE}/set_password"
    for _ in range(MAX_IDENTITY_MISMATCHES - 1):
        data = {**_form(client, path), **IDENTITY, "first_name": "Sophia", "new_password": NEW}
        assert "ne correspondent pas" in text_of(client.post(path, data=data))
    data = {**_form(client, path), **IDENTITY, "first_name": "Sophia", "new_password": NEW}
    resp = client.post(path, data=data)
    assert resp.status_code == 403
    assert "Trop d'essais infructueux" in text_of(resp)
    # Even the right answers are refused now: the attempt is over.
    assert client.get(path).status_code == 403
    data = {**_form(client, path), **IDENTITY, "new_password": NEW}
    assert client.post(path, data=data).status_code in {400, 403}
    assert login(app.test_client(), "metamots", "sophie.bernard", NEW).status_code == 200


def test_policy_of_the_guide(app: Flask, client: FlaskClient) -> None:
    _request(client, **IDENTITY)
    [link] = _links(app)
    page = text_of(_recreate(client, link, new_password="abcdefgh"))
    assert "1 majuscule minimum" in page
    assert "1 caractère spécial minimum" in page


def test_mail_language_follows_the_account(app: Flask) -> None:
    _request(
        app.test_client(),
        email="julien.moreau@association.example",
        first_name="Julien",
        last_name="Moreau",
        country="BE",
        organisation_type="Association",
    )
    [mail] = [m for m in app.extensions["idp.outbox"].as_json() if "/link/" in m["text"]]
    assert mail["language"] == "en"


def test_signup_creates_an_account(app: Flask, client: FlaskClient) -> None:
    page = client.get("/realms/metamots/signup/").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "identifier": "lea.roux",
        "email": "lea@x.example",
        "first_name": "Léa",
        "last_name": "Roux",
        "country": "FR",
        "organisation_type": "Association",
        "password": "weak",
        "confirmation": "weak",
        "language": "fr",
    }
    assert "1 majuscule minimum" in text_of(client.post("/realms/metamots/signup/", data=data))
    ok = client.post(
        "/realms/metamots/signup/",
        data={**data, "password": "Fort!Mot2027", "confirmation": "Fort!Mot2027"},
    )
    assert ok.headers["Location"].endswith("/realms/metamots/login")
    assert login(app.test_client(), "metamots", "lea.roux", "Fort!Mot2027").status_code == 302
    taken = client.post(
        "/realms/metamots/signup/",
        data={
            **data,
            "csrf_token": csrf_from(client.get("/realms/metamots/signup/").get_data(as_text=True)),
            "password": "Fort!Mot2027",
            "confirmation": "Fort!Mot2027",
        },
    )
    assert "Cet identifiant est déjà pris." in text_of(taken)
    assert client.get("/realms/jasmin/signup/").status_code == 404
