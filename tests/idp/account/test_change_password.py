"""The change-password page behind "Changer de mot de passe"."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from idp.realms.store import get_realm
from idp.users.service import find_user
from tests.idp.auth.test_auth_views import demo_user
from tests.idp.conftest import csrf_from, login, text_of

NEW = "Nouveau-Tournesol-2027!"


def _post(client: FlaskClient, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get("/realms/jasmin/password/change").get_data(as_text=True)
    return client.post(
        "/realms/jasmin/password/change", data={"csrf_token": csrf_from(page), **fields}
    )


def test_identifier_is_prefilled_from_the_login_parameter(client: FlaskClient) -> None:
    page = text_of(client.get("/realms/jasmin/password/change?login=camille.martin"))
    assert 'value="camille.martin"' in page
    assert "Votre nouveau mot de passe doit respecter les règles suivantes :" in page
    assert "Il vous sera demandé de le réinitialiser tous les 90 jours" in page


def test_change_password_then_sign_in_with_the_new_one(app: Flask, client: FlaskClient) -> None:
    username, password = demo_user("jasmin")
    resp = _post(
        client, identifier=username, current_password=password, new_password=NEW, confirmation=NEW
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/realms/jasmin/login")
    assert login(client, "jasmin", username, password).status_code == 200  # old refused
    assert login(client, "jasmin", username, NEW).status_code == 302
    with app.app_context():
        user = find_user(get_realm("jasmin"), username)
        assert len(user.password_history) == 1


def test_every_violated_rule_is_listed_and_nothing_changes(app: Flask, client: FlaskClient) -> None:
    username, password = demo_user("jasmin")
    resp = _post(
        client,
        identifier=username,
        current_password=password,
        new_password="abc",
        confirmation="abc",
    )
    page = text_of(resp)
    assert resp.status_code == 200
    for rule in (
        "Doit comporter entre 12 et 64 caractères",
        "1 majuscule minimum",
        "1 chiffre minimum",
    ):
        assert rule in page
    assert login(client, "jasmin", username, password).status_code == 302


def test_reusing_the_current_password_is_refused(client: FlaskClient) -> None:
    username, password = demo_user("jasmin")
    resp = _post(
        client,
        identifier=username,
        current_password=password,
        new_password=password,
        confirmation=password,
    )
    assert "Doit être différent des 5 derniers mots de passe" in text_of(resp)


def test_wrong_current_password_and_unknown_user_answer_alike(client: FlaskClient) -> None:
    username, _ = demo_user("jasmin")
    a = text_of(
        _post(
            client, identifier=username, current_password="nope", new_password=NEW, confirmation=NEW
        )
    )
    b = text_of(
        _post(
            client, identifier="ghost", current_password="nope", new_password=NEW, confirmation=NEW
        )
    )
    assert "Identifiant ou mot de passe incorrect." in a
    assert "Identifiant ou mot de passe incorrect." in b


def test_confirmation_mismatch(client: FlaskClient) -> None:
    username, password = demo_user("jasmin")
    resp = _post(
        client,
        identifier=username,
        current_password=password,
        new_password=NEW,
        confirmation=NEW + "x",
    )
    assert "Les deux mots de passe ne sont pas identiques." in text_of(resp)
    assert login(client, "jasmin", username, password).status_code == 302


def test_missing_fields(client: FlaskClient) -> None:
    page = text_of(_post(client))
    for message in (
        "Vous devez entrer votre identifiant.",
        "Vous devez entrer votre mot de passe actuel.",
        "Vous devez choisir un nouveau mot de passe.",
        "Vous devez confirmer le nouveau mot de passe.",
    ):
        assert message in page


def test_change_is_audited_without_secrets(app: Flask, client: FlaskClient) -> None:
    from idp.audit.service import query

    username, password = demo_user("jasmin")
    _post(
        client, identifier=username, current_password=password, new_password=NEW, confirmation=NEW
    )
    with app.app_context():
        events = list(query(realm="jasmin", event="password_changed"))
    assert len(events) == 1
    assert events[0].details == {"reason": "change", "sessions_ended": True}
    assert NEW not in str(events[0].as_json())
