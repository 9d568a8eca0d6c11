"""The uphf flow (seed 004): number + birth date, question joker, strict policy, the rules."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.clock import FixedClock
from tests.idp.conftest import csrf_from, login, text_of

BASE = "/realms/uphf/recovery"
STEP1 = f"{BASE}/identify_by_number_and_birth_date"
NEW = "Lille#Roubaix2027"


def _form(client: FlaskClient, path: str) -> dict[str, str]:
    page = client.get(path).get_data(as_text=True)
    return dict(re.findall(r'name="(csrf_token|flow_version)"[^>]*value="([^"]*)"', page))


def _identify(client: FlaskClient, kind: str, number: str, birth: str) -> Any:
    return client.post(
        STEP1,
        data={
            **_form(client, f"{STEP1}?kind={kind}"),
            "kind": kind,
            "number": number,
            "birth_date": birth,
        },
    )


def _answer(client: FlaskClient, answer: str) -> Any:
    path = f"{BASE}/verify_secret_question"
    return client.post(path, data={**_form(client, path), "answer": answer})


def _new_password(
    client: FlaskClient, password: str, confirmation: str | None = None, rules: bool = True
) -> Any:
    path = f"{BASE}/set_password"
    data = {
        **_form(client, path),
        "new_password": password,
        "confirmation": confirmation or password,
    }
    if rules:
        data["accept_rules"] = "y"
    return client.post(path, data=data)


@pytest.mark.parametrize(
    ("kind", "number"), [("student_number", "22104578"), ("ine", "0912345671c")]
)
def test_recover_by_student_number_and_by_ine(
    app: Flask, client: FlaskClient, kind: str, number: str
) -> None:
    page = text_of(client.get("/realms/uphf/sesame/identifiants-oublies"))
    assert "Récupérer mon mot de passe" in page
    assert "Récupérer mon identifiant" in page
    client.get(f"{BASE}/")
    page = text_of(client.get(STEP1))
    for label in (
        "Numéro étudiant",
        "Numéro INE",
        "Numéro personnel",
        "UID",
        "Il figure sur votre carte multiservice.",
    ):
        assert label in page
    resp = _identify(client, kind, number, "17/04/2003")
    assert resp.headers["Location"].endswith(f"{BASE}/verify_secret_question"), text_of(resp)
    page = text_of(client.get(f"{BASE}/verify_secret_question"))
    assert "Quel est le nom de votre premier animal de compagnie ?" in page
    assert "50%" in page
    assert _answer(client, "  caramel ").status_code == 303
    page = text_of(client.get(f"{BASE}/set_password"))
    for rule in (
        "Doit comporter entre 12 et 30 caractères",
        "Ne doit comporter aucun espace",
        "Ne doit pas contenir votre login",
        "Doit être différent des 3 derniers mots de passe que vous avez choisis",
        "Je reconnais avoir pris connaissance du règlement intérieur",
    ):
        assert rule in page
    resp = _new_password(client, NEW)
    page = text_of(client.get(resp.headers["Location"]))
    assert "Voilà, votre mot de passe a bien été modifié" in page
    assert login(app.test_client(), "uphf", "lea.dubois", NEW).status_code == 302
    assert any(m["kind"] == "password_changed" for m in app.extensions["idp.outbox"].as_json())


@pytest.mark.parametrize(
    ("number", "birth"),
    [("22104578", "18/04/2003"), ("22104579", "17/04/2003"), ("99999999", "01/01/2000")],
)
def test_any_mismatch_gives_the_same_message(client: FlaskClient, number: str, birth: str) -> None:
    client.get(f"{BASE}/")
    page = text_of(_identify(client, "student_number", number, birth))
    assert "Les informations saisies ne permettent pas de vous identifier." in page


@pytest.mark.parametrize(
    ("number", "birth", "message"),
    [
        ("2210457", "17/04/2003", "Ce numéro n'a pas le bon format."),
        ("22104578", "31/02/2003", "au format jj/mm/aaaa"),
        ("22104578", "17/04/2099", "au format jj/mm/aaaa"),
        ("22104578", "2003-04-17", "au format jj/mm/aaaa"),
    ],
)
def test_malformed_numbers_and_dates(
    client: FlaskClient, number: str, birth: str, message: str
) -> None:
    client.get(f"{BASE}/")
    assert message in text_of(_identify(client, "student_number", number, birth))


def test_ine_check_character(client: FlaskClient) -> None:
    client.get(f"{BASE}/")
    assert "Ce numéro n'a pas le bon format." in text_of(
        _identify(client, "ine", "0912345671D", "17/04/2003")
    )


def test_wrong_answers_lock_recovery(app: Flask, client: FlaskClient) -> None:
    client.get(f"{BASE}/")
    _identify(client, "student_number", "22104578", "17/04/2003")
    assert "(2 essais restants)" in text_of(_answer(client, "Médor"))
    assert "(1 essai restant)" in text_of(_answer(client, "Rex"))
    resp = _answer(client, "Félix")
    assert resp.status_code == 403
    # Said plainly, with its end (FIXED_NOW 09:30 UTC is 10:30 in Paris; 15 minutes).
    assert "bloquée pendant 15 minutes, jusqu'à 10:45." in text_of(resp)
    assert "La demande n'a pas pu aboutir." not in text_of(resp)
    # Starting again does not show the question (whose right answer would be refused).
    other = app.test_client()
    other.get(f"{BASE}/")
    _identify(other, "student_number", "22104578", "17/04/2003")
    resp = other.get(f"{BASE}/verify_secret_question")
    assert resp.status_code == 403
    assert "jusqu'à 10:45." in text_of(resp)
    assert "Caramel" not in text_of(resp)
    assert "Quel" not in text_of(resp)


def test_the_joker_lock_ends(app: Flask, client: FlaskClient, clock: FixedClock) -> None:
    client.get(f"{BASE}/")
    _identify(client, "student_number", "22104578", "17/04/2003")
    for wrong in ("Médor", "Rex", "Félix"):
        _answer(client, wrong)
    clock.advance(timedelta(minutes=15, seconds=1))
    other = app.test_client()
    other.get(f"{BASE}/")
    _identify(other, "student_number", "22104578", "17/04/2003")
    assert _answer(other, "Caramel").headers["Location"].endswith(f"{BASE}/set_password")


def _to_password(client: FlaskClient) -> None:
    client.get(f"{BASE}/")
    _identify(client, "student_number", "22104578", "17/04/2003")
    _answer(client, "Caramel")


def test_every_rule_failure_listed_and_nothing_changes(app: Flask, client: FlaskClient) -> None:
    _to_password(client)
    page = text_of(client.get(f"{BASE}/set_password"))
    # Seed 004's words, not jasmin's « Il est maintenant temps... » (said after a push).
    assert "Pour être valide, votre mot de passe :" in page
    assert "Il est maintenant temps" not in page
    page = text_of(_new_password(client, "lea.dubois ab"))
    assert "Ne doit comporter aucun espace" in page
    assert "Ne doit pas contenir votre login" in page
    assert "1 majuscule minimum" in page
    assert "Caractères non autorisés : ." in page
    page = text_of(_new_password(client, "Valenciennes@2025"))
    assert "Doit être différent des 3 derniers mots de passe" in page
    page = text_of(_new_password(client, NEW, rules=False))
    assert "Vous devez reconnaître avoir pris connaissance du règlement intérieur." in page
    page = text_of(_new_password(client, NEW, confirmation=NEW + "x"))
    assert "Les deux mots de passe ne sont pas identiques." in page
    # A mismatch does not hide the policy's errors.
    page = text_of(_new_password(client, "lea.dubois ab", confirmation="other"))
    assert "Les deux mots de passe ne sont pas identiques." in page
    assert "Ne doit pas contenir votre login" in page
    assert login(app.test_client(), "uphf", "lea.dubois", "Valenciennes@2025").status_code == 302


def test_identifier_recovery(app: Flask, client: FlaskClient) -> None:
    page = client.get("/realms/uphf/sesame/identifiant?kind=staff_number").get_data(as_text=True)
    resp = client.post(
        "/realms/uphf/sesame/identifiant",
        data={
            "csrf_token": csrf_from(page),
            "kind": "staff_number",
            "number": "071234",
            "birth_date": "22/09/1978",
        },
    )
    text = text_of(resp)
    assert "Votre identifiant est : n..." in text
    mails = [
        m for m in app.extensions["idp.outbox"].as_json() if m["kind"] == "identifier_reminder"
    ]
    assert len(mails) == 1
    assert "nathalie.roux" in mails[0]["text"]
    bad = client.post(
        "/realms/uphf/sesame/identifiant",
        data={
            "csrf_token": csrf_from(page),
            "kind": "staff_number",
            "number": "071234",
            "birth_date": "23/09/1978",
        },
    )
    assert "ne permettent pas de vous identifier" in text_of(bad)


def test_portal_pages(client: FlaskClient) -> None:
    login_page = text_of(client.get("/realms/uphf/login"))
    assert "Mot de passe oublié ?" in login_page
    assert "Besoin d'aide ?" in login_page
    assert "Besoin d'aide ?" in text_of(client.get("/realms/uphf/sesame/aide"))
    assert "Règlement intérieur" in text_of(client.get("/realms/uphf/sesame/reglement-interieur"))
    assert client.get("/realms/jasmin/sesame/").status_code == 404


def _activation_identify(client: FlaskClient, number: str, birth: str) -> Any:
    page = client.get("/realms/uphf/sesame/activation?kind=student_number").get_data(as_text=True)
    return client.post(
        "/realms/uphf/sesame/activation",
        data={
            "csrf_token": csrf_from(page),
            "kind": "student_number",
            "number": number,
            "birth_date": birth,
        },
    )


def test_activation_of_a_pre_provisioned_account(app: Flask, client: FlaskClient) -> None:
    assert login(client, "uphf", "manon.petit", "anything").status_code == 200  # not active
    # an active account cannot be "activated" again; same message as a mismatch
    page = text_of(_activation_identify(client, "22104578", "17/04/2003"))
    assert "ne permettent pas d'activer un compte" in page
    resp = _activation_identify(client, "22509876", "30/06/2005")
    assert resp.headers["Location"].endswith("/realms/uphf/sesame/activation")
    page = client.get("/realms/uphf/sesame/activation").get_data(as_text=True)
    assert "Question joker" in text_of(client.get("/realms/uphf/sesame/activation"))
    data = {
        "csrf_token": csrf_from(page),
        "question": "Quel est votre plat préféré ?",
        "answer": "Carbonade flamande",
        "password": "manon.petit#2027X",
        "confirmation": "manon.petit#2027X",
    }
    bad = text_of(client.post("/realms/uphf/sesame/activation", data=data))
    assert "Vous devez reconnaître avoir pris connaissance du règlement intérieur." in bad
    bad = text_of(client.post("/realms/uphf/sesame/activation", data={**data, "accept_rules": "y"}))
    assert "Ne doit pas contenir votre login" in bad
    ok = client.post(
        "/realms/uphf/sesame/activation",
        data={
            **data,
            "accept_rules": "y",
            "password": "Beffroi!Douai2027",
            "confirmation": "Beffroi!Douai2027",
        },
    )
    assert "Compte activé" in text_of(ok)
    assert login(app.test_client(), "uphf", "manon.petit", "Beffroi!Douai2027").status_code == 302
    # and the chosen question joker now protects recovery
    other = app.test_client()
    other.get(f"{BASE}/")
    _identify(other, "student_number", "22509876", "30/06/2005")
    assert "Quel est votre plat préféré ?" in text_of(other.get(f"{BASE}/verify_secret_question"))
    assert _answer(other, "carbonade  FLAMANDE").status_code == 303
