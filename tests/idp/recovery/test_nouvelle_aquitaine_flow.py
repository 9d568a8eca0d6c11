"""The nouvelle-aquitaine flow (seed 001) through the real views, with the outbox or real SMTP."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from idp.clock import FixedClock
from tests.idp.conftest import login, text_of

BASE = "/realms/nouvelle-aquitaine/recovery"
USER = "claire.fontaine@demarches.example"
EMAIL = "claire.fontaine@gmail.example"
NEW = "Bordeaux2027Soleil"


def _form(client: FlaskClient, step: str) -> dict[str, str]:
    page = client.get(f"{BASE}/{step}").get_data(as_text=True)
    return dict(re.findall(r'name="(csrf_token|flow_version)"[^>]*value="([^"]*)"', page))


def _post(client: FlaskClient, step: str, **data: str) -> Any:
    return client.post(f"{BASE}/{step}", data={**_form(client, step), **data})


def _codes(app: Flask, to: str = EMAIL) -> list[str]:
    outbox = app.extensions["idp.outbox"].as_json()
    return [
        re.search(r"\b(\d{6})\b", m["text"]).group(1)  # type: ignore[union-attr]
        for m in outbox
        if m["to"] == [to] or m["to"] == to
    ]


def _to_code(client: FlaskClient, email: str = EMAIL) -> None:
    client.get(f"{BASE}/")
    resp = _post(client, "choose_category", action="category:usager")
    assert resp.headers["Location"].endswith(f"{BASE}/identify_by_email")
    resp = _post(client, "identify_by_email", email=email)
    assert resp.headers["Location"].endswith(f"{BASE}/verify_email_code"), text_of(resp)


def test_the_seven_steps_of_the_guide(app: Flask, client: FlaskClient) -> None:
    page = text_of(client.get("/realms/nouvelle-aquitaine/login"))
    assert "Mot de passe perdu" in page  # 1
    client.get(f"{BASE}/")
    page = text_of(client.get(f"{BASE}/choose_category"))  # 2
    for label in (
        "Pour vous diriger vers le bon service, cliquez sur le cas qui vous concerne :",
        "Je suis un usager des services de la Région",
        "Exemples : demandeur d'aide, gestionnaire d'un lycée, partenaire, prestataire.",
        "Je suis un élu de la Région",
        "Je suis un agent des lycées",
        "Je suis un agent du siège",
        "J'ai besoin de support",
    ):
        assert label in page
    _post(client, "choose_category", action="category:usager")
    assert "Adresse de messagerie" in text_of(client.get(f"{BASE}/identify_by_email"))  # 3
    _post(client, "identify_by_email", email=EMAIL)
    page = text_of(client.get(f"{BASE}/verify_email_code"))  # 4
    for label in (
        "Pour vérifier votre identité, un code de sécurité a été envoyé à votre "
        "adresse de messagerie. Veuillez entrer le code de sécurité ici.",
        "Renvoyer le code",
        "Vérifier le code",
        "Annuler",
    ):
        assert label in page
    [code] = _codes(app)
    resp = _post(client, "verify_email_code", code=code)
    assert resp.headers["Location"].endswith(f"{BASE}/set_password")
    page = text_of(client.get(f"{BASE}/set_password"))  # 5
    for label in (
        "Modifier le mot de passe",
        "8 caractères minimum",
        "1 minuscule minimum",
        "1 majuscule minimum",
        "1 chiffre minimum",
        "Mots de passe générés automatiquement",
        "Confirmer le mot de passe",
        "Réinitialiser",
        "Annuler",
    ):
        assert label in page
    resp = _post(client, "set_password", new_password=NEW, confirmation=NEW)
    assert resp.headers["Location"].endswith(f"{BASE}/apply_async")
    page = text_of(client.get(f"{BASE}/apply_async"))  # 6
    assert "Veuillez patienter" in page
    assert "Votre mot de passe est en cours de mise à jour." in page
    # not applied yet: the old password still works, the new one not
    assert login(app.test_client(), "nouvelle-aquitaine", USER, NEW).status_code == 200
    clock: FixedClock = app.extensions["idp.clock"]
    clock.advance(timedelta(seconds=6))
    assert client.get(f"{BASE}/apply_async/status").get_json() == {"status": "done"}
    resp = _post(client, "apply_async", action="continue")
    page = text_of(client.get(resp.headers["Location"]))  # 7
    assert "Réussite" in page
    assert "Votre mot de passe a été modifié." in page
    assert "Votre identifiant est : c...@..." in page
    assert "Votre adresse de messagerie est : c...@...mail.example" in page
    assert "Continuer" in page
    assert login(app.test_client(), "nouvelle-aquitaine", USER, NEW).status_code == 302


def test_unknown_address_gets_the_same_answer(app: Flask, client: FlaskClient) -> None:
    _to_code(client, "nobody@nowhere.example")
    page = text_of(client.get(f"{BASE}/verify_email_code"))
    assert "un code de sécurité a été envoyé" in page
    assert _codes(app, "nobody@nowhere.example") == []
    page = text_of(_post(client, "verify_email_code", code="123456"))
    assert "Ce code n'est pas valide (4 essais restants)." in page


def test_malformed_address(client: FlaskClient) -> None:
    client.get(f"{BASE}/")
    _post(client, "choose_category", action="category:usager")
    page = text_of(_post(client, "identify_by_email", email="pas-une-adresse"))
    assert "Cette adresse de messagerie n'est pas valide." in page


def test_wrong_codes_end_the_attempt(app: Flask, client: FlaskClient) -> None:
    _to_code(client)
    for left in (4, 3, 2, 1):
        assert (
            f"({left} essai{'s' if left > 1 else ''} restant{'s' if left > 1 else ''})"
            in text_of(_post(client, "verify_email_code", code="000000"))
        )
    resp = _post(client, "verify_email_code", code="000000")
    assert resp.status_code == 403
    assert "Trop de codes erronés" in text_of(resp)
    assert "Trop de codes erronés" in text_of(client.get(f"{BASE}/verify_email_code"))


def test_resend_cool_down_cap_and_newer_code_wins(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    _to_code(client)
    page = text_of(_post(client, "verify_email_code", action="resend"))
    assert "Patientez" in page
    clock.advance(timedelta(seconds=61))
    assert "Un nouveau code vous a été envoyé." in text_of(
        _post(client, "verify_email_code", action="resend")
    )
    assert len(_codes(app)) == 2
    assert "n'est pas valide" in text_of(_post(client, "verify_email_code", code="999999"))
    for _ in range(2):
        clock.advance(timedelta(seconds=61))
        _post(client, "verify_email_code", action="resend")
    clock.advance(timedelta(seconds=61))
    assert "Vous avez demandé trop de codes." in text_of(
        _post(client, "verify_email_code", action="resend")
    )
    latest = _codes(app)[-1]
    assert _post(client, "verify_email_code", code=latest).status_code == 303


def test_code_expires(app: Flask, client: FlaskClient, clock: FixedClock) -> None:
    _to_code(client)
    [code] = _codes(app)
    clock.advance(timedelta(minutes=16))
    page = text_of(_post(client, "verify_email_code", code=code))
    assert "Ce code a expiré. Cliquez sur « Renvoyer le code »" in page


def test_cancel(client: FlaskClient) -> None:
    _to_code(client)
    resp = _post(client, "verify_email_code", action="cancel")
    assert resp.headers["Location"].endswith("/realms/nouvelle-aquitaine/login")
    assert "Rien n'a été modifié." in text_of(client.get(resp.headers["Location"]))


def test_other_categories_lead_to_their_page(client: FlaskClient) -> None:
    client.get(f"{BASE}/")
    for category, text in (
        ("elu", "secrétariat des élus"),
        ("agent-lycees", "référent numérique"),
        ("agent-siege", "Ctrl+Alt+Suppr"),
    ):
        assert text in text_of(client.get(f"{BASE}/category/{category}"))
    page = text_of(client.get(f"{BASE}/category/support"))
    assert "/realms/nouvelle-aquitaine/support/" in page
    assert client.get(f"{BASE}/category/usager").status_code == 404


def test_support_form_is_stored_and_audited(app: Flask, client: FlaskClient) -> None:
    from idp.audit.service import query
    from idp.extensions import db
    from idp.models import SupportRequest
    from tests.idp.conftest import csrf_from

    page = client.get("/realms/nouvelle-aquitaine/support/").get_data(as_text=True)
    bad = client.post(
        "/realms/nouvelle-aquitaine/support/",
        data={
            "csrf_token": csrf_from(page),
            "name": "",
            "email": "x",
            "subject": "",
            "message": "short",
        },
    )
    body = text_of(bad)
    assert "Vous devez indiquer votre nom." in body
    assert "Cette adresse de messagerie n'est pas valide." in body
    ok = client.post(
        "/realms/nouvelle-aquitaine/support/",
        data={
            "csrf_token": csrf_from(page),
            "name": "Claire Fontaine",
            "email": EMAIL,
            "subject": "Compte bloqué",
            "message": "Je n'arrive plus à me connecter.",
        },
    )
    assert "a été transmise au support" in text_of(ok)
    with app.app_context():
        [row] = db.session.query(SupportRequest).all()
        assert row.subject == "Compte bloqué"
        assert any(e.event == "support_request" for e in query(realm="nouvelle-aquitaine"))


def test_live_check_and_strength_without_javascript(app: Flask, client: FlaskClient) -> None:
    _to_code(client)
    [code] = _codes(app)
    _post(client, "verify_email_code", code=code)
    form = _form(client, "set_password")
    check = client.post(
        f"{BASE}/password-check",
        json={"password": "abc"},
        headers={"X-CSRFToken": form["csrf_token"]},
    )
    body = check.get_json()
    assert body["ok"] is False
    assert body["rules"]["length"] is False
    assert body["strength"]["label"] == "Faible"
    assert client.post(f"{BASE}/password-check", json={"password": "abc"}).status_code == 400
    good = client.post(
        f"{BASE}/password-check",
        json={"password": NEW},
        headers={"X-CSRFToken": form["csrf_token"]},
    ).get_json()
    assert good["ok"] is True
    resp = _post(client, "set_password", new_password="abcdefgh", confirmation="x")
    page = text_of(resp)
    assert "1 majuscule minimum" in page
    # The refused password is not sent back: no strength shown over the empty field, and
    # the rules say which ones that password broke (seed 001's ticks, without JavaScript).
    html = resp.get_data(as_text=True)
    assert re.search(r'id="strength"[^>]*>\s*</p>', html), "no strength over an empty field"
    assert 'data-rule="length" class="rule-ok"' in html
    assert 'data-rule="upper" class="rule-ko"' in html


def test_job_survives_a_restart_and_applies_once(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    from idp import create_app
    from idp.extensions import db
    from idp.models import PasswordJob
    from idp.users.password_jobs import run_due

    _to_code(client)
    [code] = _codes(app)
    _post(client, "verify_email_code", code=code)
    _post(client, "set_password", new_password=NEW, confirmation=NEW)
    # "Restart": a brand-new app on the same database applies the job.
    restarted = create_app({**app.config, "CLOCK": clock})
    clock.advance(timedelta(seconds=6))
    with restarted.app_context():
        assert run_due(now=clock.now()) == 1
        assert run_due(now=clock.now()) == 0
        [job] = db.session.query(PasswordJob).all()
        assert job.status == "done"
    with app.app_context():
        from idp.audit.service import query

        changes = [e for e in query(realm="nouvelle-aquitaine") if e.event == "password_changed"]
    assert len(changes) == 1


def test_a_code_typed_with_spaces_is_the_code(app: Flask, client: FlaskClient) -> None:
    """« 109 322 », as people copy it from the mail, is 109322."""
    _to_code(client)
    [code] = _codes(app)
    resp = _post(client, "verify_email_code", code=f" {code[:3]} {code[3:]} ")
    assert resp.headers["Location"].endswith(f"{BASE}/set_password"), text_of(resp)


def test_a_malformed_code_costs_no_try(app: Flask, client: FlaskClient) -> None:
    _to_code(client)
    for typo in ("12345", "12a456", "1234567", "12345", "abcdef", "１２３４５６"):
        page = text_of(_post(client, "verify_email_code", code=typo))
        assert "Le code est composé de 6 chiffres." in page
        assert "essai" not in page
    # Every try is still there: the first wrong but well-formed code leaves 4.
    page = text_of(_post(client, "verify_email_code", code="000000"))
    assert "Ce code n'est pas valide (4 essais restants)." in page


def test_fields_ask_for_the_right_keyboard(client: FlaskClient) -> None:
    client.get(f"{BASE}/")
    _post(client, "choose_category", action="category:usager")
    html = client.get(f"{BASE}/identify_by_email").get_data(as_text=True)
    assert re.search(
        r'<input[^>]*name="email"[^>]*type="email"|type="email"[^>]*name="email"', html
    )
    _post(client, "identify_by_email", email=EMAIL)
    html = client.get(f"{BASE}/verify_email_code").get_data(as_text=True)
    assert re.search(r'<input[^>]*inputmode="numeric"[^>]*name="code"', html), html


def test_the_mail_names_the_page_by_its_title(app: Flask, client: FlaskClient) -> None:
    """The code page is titled « Mot de passe oublié » (seed 001's screenshot); « Saisir le
    code de sécurité » is the guide's name for the step, not a title the user can see."""
    _to_code(client)
    [mail] = [m for m in app.extensions["idp.outbox"].as_json() if m["kind"] == "security_code"]
    assert "sur la page «\u00a0Mot de passe oublié\u00a0»" in mail["text"]
    assert "Mot de passe oublié" in text_of(client.get(f"{BASE}/verify_email_code"))
