"""The jasmin recovery flow (seed 000) through the real views: every step and failure path."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.audit.service import query
from idp.clock import FixedClock
from idp.extensions import db
from idp.models import Challenge
from tests.idp.conftest import login, text_of
from tests.idp.device_api.device import ProtocolDevice
from tests.idp.recovery.conftest import CAPTCHA

NEW = "Nouveau-Tournesol-2027!"
BASE = "/realms/jasmin/recovery"


def _form(client: FlaskClient, path: str) -> dict[str, str]:
    page = client.get(path).get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|flow_version)"[^>]*value="([^"]*)"', page))
    assert "csrf_token" in fields, page
    return fields


def _post(client: FlaskClient, step: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(f"{BASE}/{step}", data={**_form(client, f"{BASE}/{step}"), **data})


def _number(app: Flask, challenge_id: str) -> int:
    with app.app_context():
        ch = db.session.get(Challenge, challenge_id)
        assert ch is not None
        return int(ch.number or 0)


def _to_push(client: FlaskClient) -> None:
    resp = client.get(f"{BASE}/?login=camille.martin")
    assert resp.headers["Location"].endswith(f"{BASE}/captcha")
    resp = _post(client, "captcha", identifier="camille.martin", answer=CAPTCHA.lower())
    assert resp.headers["Location"].endswith(f"{BASE}/verify_push"), text_of(resp)


def test_the_five_steps_of_the_guide(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    # 04: "J'ai oublié mon mot de passe" on the change-password page, identifier pre-filled
    page = text_of(client.get("/realms/jasmin/password/change?login=camille.martin"))
    assert "J'ai oublié mon mot de passe" in page
    assert f"{BASE}/?login=camille.martin" in page
    # 05: captcha
    client.get(f"{BASE}/?login=camille.martin")
    page = text_of(client.get(f"{BASE}/captcha"))
    assert "Renseignez les caractères de l'image" in page
    assert "Suivant" in page
    png = client.get(f"{BASE}/captcha.png")
    assert png.mimetype == "image/png"
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n"
    resp = _post(client, "captcha", identifier="camille.martin", answer=CAPTCHA)
    assert resp.headers["Location"].endswith(f"{BASE}/verify_push")
    # 06: "Envoyer une notification"
    assert "Envoyer une notification" in text_of(client.get(f"{BASE}/verify_push"))
    _post(client, "verify_push", action="send")
    page = text_of(client.get(f"{BASE}/verify_push"))
    assert "Soyez bien attentif au numéro qui s'affiche" in page
    [challenge] = device.pending()
    assert challenge.purpose == "password_reset"
    number = _number(app, challenge.challenge_id)
    assert f">{number:02d}<" in page
    assert client.get(f"{BASE}/verify_push/status").get_json() == {"status": "pending"}
    # 07-08: the user types the number and answers OUI in the app
    assert device.decide(challenge, "approve", number).get_json()["status"] == "approved"
    assert client.get(f"{BASE}/verify_push/status").get_json() == {"status": "approved"}
    resp = _post(client, "verify_push", action="continue")
    assert resp.headers["Location"].endswith(f"{BASE}/set_password")
    # 09: new password, rules shown before typing
    page = text_of(client.get(f"{BASE}/set_password"))
    assert "Doit comporter entre 12 et 64 caractères" in page
    resp = _post(client, "set_password", new_password=NEW, confirmation=NEW)
    assert resp.headers["Location"].endswith(f"{BASE}/done")
    # 10: success
    page = text_of(client.get(f"{BASE}/done"))
    assert "Félicitations ! votre mot de passe a été réinitialisé." in page
    assert "Il est important que vous le gardiez secret." in page
    assert "Il vous sera demandé de le réinitialiser tous les 90 jours." in page
    # the new password works (push second factor is then asked, as configured)
    resp = login(app.test_client(), "jasmin", "camille.martin", NEW)
    assert resp.headers["Location"].endswith("/realms/jasmin/login/push")


def test_reset_ends_every_session(app: Flask, client: FlaskClient) -> None:
    other = app.test_client()
    assert login(other, "jasmin", "theo.lefebvre", "Kayak&Brume#2031").status_code == 302
    assert other.get("/realms/jasmin/profile").status_code == 200
    from idp.audit.service import ClientInfo
    from idp.realms.store import get_realm
    from idp.security.passwords import current_hasher
    from idp.users.password_change import apply_new_password
    from idp.users.service import find_user

    with app.app_context():
        user = find_user(get_realm("jasmin"), "theo.lefebvre")
        apply_new_password(
            user,
            NEW,
            hasher=current_hasher(),
            now=app.extensions["idp.clock"].now(),
            client=ClientInfo(),
            reason="recovery",
        )
        db.session.commit()
    assert other.get("/realms/jasmin/profile").status_code == 302


def _elsewhere(app: Flask, ip: str) -> FlaskClient:
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = ip
    return other


def test_wrong_captcha_gives_a_new_image_then_locks(app: Flask, client: FlaskClient) -> None:
    client.get(f"{BASE}/?login=camille.martin")
    for attempt in range(1, 5):
        resp = _post(client, "captcha", identifier="camille.martin", answer="WRONG")
        page = text_of(resp)
        assert resp.status_code == 200
        left = 5 - attempt
        assert f"({left} essai{'s' if left > 1 else ''} restant{'s' if left > 1 else ''})" in page
    resp = _post(client, "captcha", identifier="camille.martin", answer="WRONG")
    assert resp.status_code == 403
    # Real plurals and the time of day the lock ends (FIXED_NOW 09:30 UTC is 10:30 in Paris).
    assert "bloquée pendant 15 minutes, jusqu'à 10:45." in text_of(resp)
    again = client.get(f"{BASE}/?login=camille.martin")
    assert again.status_code == 429
    # The same lock applies to an identifier that matches no account (from another client).
    other = _elsewhere(app, "192.0.2.20")
    other.get(f"{BASE}/?login=nobody")
    for _ in range(5):
        _post(other, "captcha", identifier="nobody", answer="WRONG")
    assert _elsewhere(app, "192.0.2.21").get(f"{BASE}/?login=nobody").status_code == 429


def test_the_captcha_lock_holds_whatever_the_entry_url(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    """« Recommencer » opens /recovery/ without ?login=: the lock must hold all the same."""
    client.get(f"{BASE}/?login=camille.martin")
    for _ in range(5):
        _post(client, "captcha", identifier="camille.martin", answer="WRONG")
    # Same client, entry page without ?login=: refused (per client).
    resp = client.get(f"{BASE}/")
    assert resp.status_code == 429
    assert "jusqu'à 10:45" in text_of(resp)
    # Another client, no ?login=, the locked identifier typed with the right captcha: refused.
    other = _elsewhere(app, "192.0.2.30")
    assert other.get(f"{BASE}/").status_code == 302
    resp = _post(other, "captcha", identifier="Camille.Martin", answer=CAPTCHA)
    assert resp.status_code == 403
    assert "bloquée pendant 15 minutes, jusqu'à 10:45." in text_of(resp)
    # Meeting the lock does not extend it; another identifier from a third client goes on.
    third = _elsewhere(app, "192.0.2.31")
    third.get(f"{BASE}/")
    resp = _post(third, "captcha", identifier="theo.lefebvre", answer=CAPTCHA)
    assert resp.headers["Location"].endswith(f"{BASE}/verify_push")
    clock.advance(timedelta(minutes=15, seconds=1))
    assert client.get(f"{BASE}/").status_code == 302
    resp = _post(client, "captcha", identifier="camille.martin", answer=CAPTCHA)
    assert resp.headers["Location"].endswith(f"{BASE}/verify_push")


def test_captcha_answer_is_single_use_and_can_be_renewed(client: FlaskClient) -> None:
    client.get(f"{BASE}/?login=camille.martin")
    before = _form(client, f"{BASE}/captcha")["flow_version"]
    _post(client, "captcha", action="refresh")
    after = _form(client, f"{BASE}/captcha")["flow_version"]
    assert after != before
    _post(client, "captcha", action="audio")
    page = text_of(client.get(f"{BASE}/captcha"))
    assert "captcha.wav" in page
    wav = client.get(f"{BASE}/captcha.wav")
    assert wav.mimetype == "audio/wav"
    assert wav.data[:4] == b"RIFF"


def test_missing_fields_on_the_captcha(client: FlaskClient) -> None:
    client.get(f"{BASE}/")
    page = text_of(_post(client, "captcha", identifier="", answer=""))
    assert "Vous devez entrer votre identifiant." in page
    assert "Vous devez recopier les caractères de l'image." in page


def test_device_no_device_and_unknown_user_look_the_same(
    client: FlaskClient, app: Flask, device: ProtocolDevice
) -> None:
    """An anonymous visitor cannot tell whether an account exists or has a device."""
    pages, statuses = [], []
    for login_name in ("camille.martin", "theo.lefebvre", "ghost.user"):
        c = app.test_client()
        c.get(f"{BASE}/?login={login_name}")
        _post(c, "captcha", identifier=login_name, answer=CAPTCHA)
        _post(c, "verify_push", action="send")
        page = text_of(c.get(f"{BASE}/verify_push"))
        assert "En attente de votre réponse" in page
        assert "Vous n'avez plus accès à votre application Authenticator ?" in page
        page = re.sub(r'value="[^"]*"', "", page)
        pages.append(re.sub(r'data-testid="match-number">\d\d<', "", page))
        statuses.append(c.get(f"{BASE}/verify_push/status").get_json())
    assert pages[0] == pages[1] == pages[2]
    assert statuses == [{"status": "pending"}] * 3
    with app.app_context():
        reasons = [
            e.details.get("reason")
            for e in query(realm="jasmin")
            if e.event == "recovery_push" and e.outcome == "failure"
        ]
    assert sorted(reasons) == ["no_device", "unknown_user"]


def test_steps_cannot_be_skipped(client: FlaskClient) -> None:
    client.get(f"{BASE}/?login=camille.martin")
    resp = client.get(f"{BASE}/set_password")
    assert resp.headers["Location"].endswith(f"{BASE}/captcha")
    resp = client.post(
        f"{BASE}/set_password",
        data={**_form(client, f"{BASE}/captcha"), "new_password": NEW, "confirmation": NEW},
    )
    assert resp.headers["Location"].endswith(f"{BASE}/captcha")


def test_stale_form_from_back_button_changes_nothing(
    client: FlaskClient, device: ProtocolDevice
) -> None:
    client.get(f"{BASE}/?login=camille.martin")
    old = _form(client, f"{BASE}/captcha")
    _post(client, "captcha", identifier="camille.martin", answer=CAPTCHA)
    resp = client.post(f"{BASE}/verify_push", data={**old, "action": "send"})
    assert "Cette page n'était plus à jour" in text_of(resp)
    assert "Envoyer une notification" in text_of(resp)
    assert device.pending() == []


def test_a_second_flow_replaces_the_first(app: Flask, client: FlaskClient) -> None:
    client.get(f"{BASE}/?login=camille.martin")
    old = _form(client, f"{BASE}/captcha")
    client.get(f"{BASE}/?login=camille.martin")
    resp = client.post(
        f"{BASE}/captcha", data={**old, "identifier": "camille.martin", "answer": CAPTCHA}
    )
    assert "Cette page n'était plus à jour" in text_of(resp)
    assert "Renseignez les caractères de l'image" in text_of(resp)


def test_flow_without_session_and_after_expiry(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    resp = app.test_client().get(f"{BASE}/captcha")
    assert "Aucune demande de réinitialisation n'est en cours" in text_of(resp)
    client.get(f"{BASE}/?login=camille.martin")
    clock.advance(timedelta(minutes=16))
    resp = client.get(f"{BASE}/captcha")
    assert resp.status_code == 410
    assert "Votre demande a expiré" in text_of(resp)


def _approved(app: Flask, client: FlaskClient, device: ProtocolDevice) -> None:
    _to_push(client)
    _post(client, "verify_push", action="send")
    [challenge] = device.pending()
    device.decide(challenge, "approve", _number(app, challenge.challenge_id))
    _post(client, "verify_push", action="continue")


def test_policy_failures_are_all_listed_and_nothing_changes(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    _approved(app, client, device)
    page = text_of(_post(client, "set_password", new_password="abc", confirmation="abc"))
    for rule in (
        "Doit comporter entre 12 et 64 caractères",
        "1 majuscule minimum",
        "1 chiffre minimum",
        "1 caractère spécial minimum",
    ):
        assert rule in page
    page = text_of(_post(client, "set_password", new_password=NEW, confirmation=NEW + "x"))
    assert "Les deux mots de passe ne sont pas identiques." in page
    # Beyond the absolute cap the form says jasmin's own rule (64), not another number (256).
    long = "Aa1!" * 70
    page = text_of(_post(client, "set_password", new_password=long, confirmation=long))
    assert "Doit comporter entre 12 et 64 caractères" in page
    assert "256 caractères" not in page
    assert (
        login(app.test_client(), "jasmin", "camille.martin", "Tournesol-Vert-42!").status_code
        == 302
    )


def test_replay_after_completion(app: Flask, client: FlaskClient, device: ProtocolDevice) -> None:
    _approved(app, client, device)
    old = _form(client, f"{BASE}/set_password")
    _post(client, "set_password", new_password=NEW, confirmation=NEW)
    client.get(f"{BASE}/done")
    resp = client.post(
        f"{BASE}/set_password",
        data={**old, "new_password": "Autre-Mot-2028!!", "confirmation": "Autre-Mot-2028!!"},
    )
    assert "Cette demande est terminée et ne peut pas être rejouée." in text_of(resp)
    assert (
        login(app.test_client(), "jasmin", "camille.martin", "Autre-Mot-2028!!").status_code == 200
    )


def test_denied_then_wrong_number_then_expired(
    app: Flask, client: FlaskClient, device: ProtocolDevice, clock: FixedClock
) -> None:
    _to_push(client)
    _post(client, "verify_push", action="send")
    [challenge] = device.pending()
    device.decide(challenge, "deny")
    assert "La demande a été refusée" in text_of(client.get(f"{BASE}/verify_push"))
    _post(client, "verify_push", action="send")
    [challenge] = device.pending()
    wrong = _number(app, challenge.challenge_id) % 89 + 10
    if wrong == _number(app, challenge.challenge_id):
        wrong += 1
    device.decide(challenge, "approve", wrong)
    assert "ne correspond pas" in text_of(client.get(f"{BASE}/verify_push"))
    _post(client, "verify_push", action="send")
    clock.advance(timedelta(seconds=61))
    assert "La demande a expiré sans réponse." in text_of(client.get(f"{BASE}/verify_push"))
    resp = _post(client, "verify_push", action="continue")
    assert resp.status_code == 200  # stays on the step


def test_report_stops_the_attempt(app: Flask, client: FlaskClient, device: ProtocolDevice) -> None:
    _to_push(client)
    _post(client, "verify_push", action="send")
    [challenge] = device.pending()
    device.decide(challenge, "report")
    resp = _post(client, "verify_push", action="continue")
    assert resp.status_code == 403
    assert "enregistrée comme suspecte" in text_of(resp)
    # and push-based recovery is now blocked for this account
    other = app.test_client()
    _to_push(other)
    resp = _post(other, "verify_push", action="send")
    assert "la réinitialisation par notification est suspendue" in text_of(resp)


def test_password_older_than_90_days_must_be_changed(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    clock.advance(timedelta(days=91))
    resp = login(client, "jasmin", "theo.lefebvre", "Kayak&Brume#2031")
    assert resp.headers["Location"].endswith("/realms/jasmin/password/change?login=theo.lefebvre")
    assert client.get("/realms/jasmin/profile").status_code == 302
    page = text_of(client.get("/realms/jasmin/password/change?login=theo.lefebvre"))
    assert "Votre mot de passe a expiré" in page


def test_realms_without_an_implemented_flow_show_no_link(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A realm stored before a step was removed from this installation: no dead link."""
    from idp.realms.preset import builtin_preset_paths, parse_preset
    from idp.realms.store import import_preset
    from idp.recovery.steps import STEPS

    text = next(p for p in builtin_preset_paths() if p.stem == "jasmin").read_text()
    text = text.replace('slug = "jasmin"', 'slug = "jasmin-totp"').replace(
        'steps = ["captcha", "verify_push", "set_password", "done"]',
        'steps = ["captcha", "verify_totp", "set_password", "done"]',
    )
    text = text.replace(
        'verify_push = ["verify_totp", "verify_recovery_code"]', 'verify_totp = ["verify_push"]'
    )
    with app.app_context():
        import_preset(parse_preset(text, "jasmin-totp.toml"), now=app.extensions["idp.clock"].now())
        db.session.commit()
    assert "/recovery/" in client.get("/realms/jasmin-totp/login").get_data(as_text=True)
    monkeypatch.delitem(STEPS, "verify_totp")
    assert "/recovery/" not in client.get("/realms/jasmin-totp/login").get_data(as_text=True)
    assert client.get("/realms/jasmin-totp/recovery/").status_code == 404
    assert "/recovery/" in client.get("/realms/uphf/sesame/identifiants-oublies").get_data(
        as_text=True
    )


def test_every_answer_to_a_post_is_a_redirect_to_a_get(
    app: Flask, raw_client: FlaskClient, device: ProtocolDevice
) -> None:
    """POST-redirect-GET: a wrong captcha, a stale form, a notification sent, a refused
    password all answer 303 to the step's URL, whose GET shows the message once."""
    client = raw_client
    client.get(f"{BASE}/?login=camille.martin")
    wrong = _post(client, "captcha", identifier="camille.martin", answer="WRONG")
    assert wrong.status_code == 303
    assert wrong.headers["Location"].endswith(f"{BASE}/captcha")
    page = text_of(client.get(f"{BASE}/captcha"))
    assert "Les caractères ne correspondent pas à l'image." in page
    assert 'value="camille.martin"' in page  # what was typed is kept, not the answer
    assert "Les caractères ne correspondent pas" not in text_of(client.get(f"{BASE}/captcha"))
    ok = _post(client, "captcha", identifier="camille.martin", answer=CAPTCHA)
    assert ok.status_code == 303
    sent = _post(client, "verify_push", action="send")
    assert (sent.status_code, sent.headers["Location"]) == (303, f"{BASE}/verify_push")
    [challenge] = device.pending()
    device.decide(challenge, "approve", _number(app, challenge.challenge_id))
    _post(client, "verify_push", action="continue")
    refused = _post(client, "set_password", new_password="abc", confirmation="abd")
    assert refused.status_code == 303
    page = text_of(client.get(f"{BASE}/set_password"))
    # A mismatch is said next to the policy errors, not instead of them.
    assert "Les deux mots de passe ne sont pas identiques." in page
    assert "1 majuscule minimum" in page
    assert "abc" not in re.findall(r'value="([^"]*)"', page)


def test_push_rate_limit_says_the_wait_rounded_up(
    app: Flask, client: FlaskClient, device: ProtocolDevice, clock: FixedClock
) -> None:
    """Five notifications per 15 minutes: the sixth, 12 min 30 s after the first, must wait
    2 min 30 s, said « dans 3 minutes » (it used to say « dans 2 minute(s) »)."""
    _to_push(client)
    _post(client, "verify_push", action="send")
    clock.advance(timedelta(minutes=12, seconds=30))
    for _ in range(4):
        _post(client, "verify_push", action="send")
    page = text_of(_post(client, "verify_push", action="send"))
    assert "Trop de notifications ont été envoyées. Réessayez dans 3 minutes." in page
    assert "(s)" not in page


@pytest.mark.parametrize("who", ["camille.martin", "theo.lefebvre", "ghost.user"])
def test_the_push_cap_reads_the_same_with_or_without_a_device(
    app: Flask, client: FlaskClient, device: ProtocolDevice, clock: FixedClock, who: str
) -> None:
    """Decoys count like notifications (found by scripts/bench_no_enumeration.py): the sixth
    « Envoyer une notification » used to say « Trop de notifications » only for an account
    with a device (camille here), which told an anonymous visitor who has one."""
    client.get(f"{BASE}/?login={who}")
    _post(client, "captcha", identifier=who, answer=CAPTCHA)
    _post(client, "verify_push", action="send")
    clock.advance(timedelta(minutes=12, seconds=30))
    for _ in range(4):
        _post(client, "verify_push", action="send")
    page = text_of(_post(client, "verify_push", action="send"))
    assert "Trop de notifications ont été envoyées. Réessayez dans 3 minutes." in page
    # The window slides the same way: after it (in a new flow: this one expired), one more.
    clock.advance(timedelta(minutes=3))
    client.get(f"{BASE}/?login={who}")
    _post(client, "captcha", identifier=who, answer=CAPTCHA)
    again = text_of(_post(client, "verify_push", action="send"))
    assert "Trop de notifications" not in again
    assert "Soyez bien attentif au numéro" in again


def test_the_decoy_cap_ignores_case(app: Flask, client: FlaskClient) -> None:
    for typed in ("Ghost.User", "ghost.user", "GHOST.USER", "ghost.USER", "gHost.user"):
        c = app.test_client()
        c.get(f"{BASE}/?login={typed}")
        _post(c, "captcha", identifier=typed, answer=CAPTCHA)
        _post(c, "verify_push", action="send")
    client.get(f"{BASE}/?login=ghost.user")
    _post(client, "captcha", identifier="ghost.user", answer=CAPTCHA)
    assert "Trop de notifications" in text_of(_post(client, "verify_push", action="send"))


def test_wait_wording(app: Flask) -> None:
    from idp.web.durations import retry_message

    with app.test_request_context():
        assert retry_message(60).endswith("dans 1 minute.")
        assert retry_message(61).endswith("dans 2 minutes.")
        assert retry_message(1).endswith("dans 1 minute.")
        assert retry_message(179).endswith("dans 3 minutes.")
        from flask_babel import force_locale

        with force_locale("en"):
            assert retry_message(179).endswith("Try again in 3 minutes.")
            assert retry_message(30).endswith("Try again in 1 minute.")
