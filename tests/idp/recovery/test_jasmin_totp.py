"""Jasmin step 06 with a code from the app: choosing the method, verify_totp, its failures."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.audit.service import query
from idp.clock import FixedClock
from idp.mfa.totp import TotpParams, code_at
from idp.realms.preset import PresetError, builtin_preset_paths, parse_preset
from idp.recovery.steps import STEPS
from tests.idp.conftest import text_of
from tests.idp.device_api.device import ProtocolDevice
from tests.idp.recovery.conftest import CAPTCHA
from tests.idp.recovery.test_jasmin_flow import BASE, NEW, _form, _post

JASMIN_ALTERNATIVES = 'verify_push = ["verify_totp", "verify_recovery_code"]'
CODE_LABEL = "Entrer un code de mon application d'authentification"


def _code(device: ProtocolDevice, clock: FixedClock, offset: int = 0) -> str:
    assert device.receipt is not None
    totp = device.receipt.totp
    assert totp is not None
    step = int(clock.now().timestamp()) // totp.period + offset
    return code_at(totp.secret, TotpParams(totp.digits, totp.period, totp.algorithm), step)


def _start(client: FlaskClient, login: str = "camille.martin") -> None:
    client.get(f"{BASE}/?login={login}")
    resp = _post(client, "captcha", identifier=login, answer=CAPTCHA)
    assert resp.headers["Location"].endswith(f"{BASE}/verify_push")


def _choose(client: FlaskClient, method: str, page: str = "verify_push") -> object:
    return client.post(f"{BASE}/choose", data={**_form(client, f"{BASE}/{page}"), "method": method})


def test_step_06_offers_both_methods_and_the_code_resets_the_password(
    app: Flask, client: FlaskClient, clock: FixedClock, device: ProtocolDevice
) -> None:
    _start(client)
    page = text_of(client.get(f"{BASE}/verify_push"))
    # The guide's button first, then the code.
    assert page.index("Envoyer une notification") < page.index(CODE_LABEL)
    resp = _choose(client, "verify_totp")
    assert resp.headers["Location"].endswith(f"{BASE}/verify_totp")
    page = text_of(client.get(f"{BASE}/verify_totp"))
    assert "saisissez le code à 6 chiffres" in page
    assert "Envoyer une notification" in page
    assert device.pending() == []  # choosing the code sent nothing
    wrong = f"{(int(_code(device, clock)) + 1) % 1_000_000:06d}"
    assert "Code incorrect" in text_of(_post(client, "verify_totp", code=wrong))
    assert "composé de 6 chiffres" in text_of(_post(client, "verify_totp", code="12"))
    resp = _post(client, "verify_totp", code=_code(device, clock))
    assert resp.headers["Location"].endswith(f"{BASE}/set_password")
    resp = _post(client, "set_password", new_password=NEW, confirmation=NEW)
    assert resp.headers["Location"].endswith(f"{BASE}/done")
    with app.app_context():
        events = [(e.event, e.outcome) for e in query(realm="jasmin")]
    assert ("totp_verify", "success") in events


def test_the_same_code_cannot_serve_twice(
    app: Flask, clock: FixedClock, device: ProtocolDevice
) -> None:
    code = _code(device, clock)
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        _start(c)
        _choose(c, "verify_totp")
    assert _post(first, "verify_totp", code=code).headers["Location"].endswith("/set_password")
    assert "déjà été utilisé" in text_of(_post(second, "verify_totp", code=code))


def test_back_to_the_notification_sends_it(client: FlaskClient, device: ProtocolDevice) -> None:
    _start(client)
    _choose(client, "verify_totp")
    resp = _choose(client, "verify_push", page="verify_totp")
    assert resp.headers["Location"].endswith(f"{BASE}/verify_push")
    assert len(device.pending()) == 1
    assert "Soyez bien attentif" in text_of(client.get(f"{BASE}/verify_push"))


def test_a_method_the_step_does_not_offer_is_refused(client: FlaskClient) -> None:
    _start(client)
    resp = _choose(client, "set_password")
    assert resp.status_code == 400
    assert 'data-code="flow_choice_invalid"' in resp.get_data(as_text=True)


def test_a_stale_choice_changes_nothing(client: FlaskClient) -> None:
    _start(client)
    old = _form(client, f"{BASE}/verify_push")
    _choose(client, "verify_totp")
    resp = client.post(f"{BASE}/choose", data={**old, "method": "verify_push"})
    assert resp.headers["Location"].endswith(f"{BASE}/verify_totp")


@pytest.mark.parametrize("login", ["ghost.user", "theo.lefebvre"])
def test_unknown_accounts_and_accounts_without_a_device_look_like_wrong_codes(
    app: Flask, client: FlaskClient, login: str
) -> None:
    _start(client, login)
    _choose(client, "verify_totp")
    for _ in range(4):
        page = text_of(_post(client, "verify_totp", code="123456"))
        assert "Code incorrect. Vérifiez le code affiché dans l'application" in page
    resp = _post(client, "verify_totp", code="123456")
    assert resp.status_code == 403
    assert 'data-code="code_attempts"' in resp.get_data(as_text=True)


@pytest.mark.parametrize("login", ["ghost.user", "theo.lefebvre"])
def test_a_wrong_recovery_code_reads_the_same_for_every_account(
    app: Flask, client: FlaskClient, clock: FixedClock, login: str
) -> None:
    # Found by scripts/bench_no_enumeration.py: an unknown account used to get the app-code
    # message (« Code incorrect. Vérifiez le code affiché dans l'application ») while a real
    # account got the recovery-code one, which told who exists.
    from idp.mfa import recovery_codes
    from idp.realms.store import get_realm
    from idp.users.service import find_user

    with app.app_context():
        real = find_user(get_realm("jasmin"), "camille.martin")  # type: ignore[arg-type]
        assert real is not None
        recovery_codes.generate(real, now=clock.now(), client=None)
        from idp.extensions import db

        db.session.commit()
    pages = {}
    for who in (login, "camille.martin"):
        c = app.test_client()
        _start(c, who)
        _choose(c, "verify_recovery_code")
        resp = _post(c, "verify_recovery_code", code="ZZZZ-ZZZZ-ZZZZ-ZZZZ")
        pages[who] = text_of(c.get(resp.headers["Location"]) if resp.status_code == 303 else resp)
    message = "Ce code de récupération n'est pas valide ou a déjà été utilisé."
    assert message in pages["camille.martin"]
    assert message in pages[login]
    assert "Vérifiez le code affiché dans l'application" not in pages[login]


def test_cancel_on_the_code_page(client: FlaskClient) -> None:
    _start(client)
    _choose(client, "verify_totp")
    resp = _post(client, "verify_totp", action="cancel")
    assert resp.headers["Location"].endswith("/realms/jasmin/login")


def _jasmin_text() -> str:
    return next(p for p in builtin_preset_paths() if p.stem == "jasmin").read_text()


def test_import_refuses_a_step_this_installation_does_not_run() -> None:
    text = _jasmin_text()
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("verify_push = "))
    with pytest.raises(PresetError) as exc:
        parse_preset(text, "jasmin.toml", implemented=set(STEPS) - {"verify_totp"})
    assert str(exc.value) == (
        f"jasmin.toml:{line}: recovery.alternatives.verify_push[0]: "
        "'verify_totp' is not implemented by this installation"
    )
    steps_line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("steps = "))
    with pytest.raises(PresetError, match=rf"jasmin.toml:{steps_line}: recovery.steps\[1\]"):
        parse_preset(text, "jasmin.toml", implemented=set(STEPS) - {"verify_push"})
    assert parse_preset(text, "jasmin.toml", implemented=set(STEPS)).slug == "jasmin"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('captcha = ["verify_totp"]', "only a verify_* step can offer alternatives"),
        ('verify_email_code = ["verify_totp"]', "'verify_email_code' is not in recovery.steps"),
        ('verify_push = ["set_password"]', "'set_password' is not a verify_* step"),
        ("verify_push = []", "must list at least one alternative"),
    ],
)
def test_alternatives_are_checked(table: str, message: str) -> None:
    text = _jasmin_text().replace(JASMIN_ALTERNATIVES, table)
    with pytest.raises(PresetError, match=re.escape(message)):
        parse_preset(text, "jasmin.toml")


def test_a_recovery_code_when_the_phone_is_lost(
    app: Flask, client: FlaskClient, clock: FixedClock, device: ProtocolDevice
) -> None:
    from idp.extensions import db
    from idp.mfa import recovery_codes
    from idp.models import User

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "camille.martin"))
        codes = recovery_codes.generate(user, now=clock.now(), client=None)
        db.session.commit()
    _start(client)
    page = text_of(client.get(f"{BASE}/verify_push"))
    assert "Utiliser un code de récupération" in page
    assert (
        _choose(client, "verify_recovery_code")
        .headers["Location"]
        .endswith(f"{BASE}/verify_recovery_code")
    )
    page = text_of(_post(client, "verify_recovery_code", code="ZZZZ-ZZZZ-ZZZZ-ZZZZ"))
    assert "Code incorrect" in page or "n'est pas valide" in page
    resp = _post(client, "verify_recovery_code", code=codes[0])
    assert resp.headers["Location"].endswith(f"{BASE}/set_password")
    mails = app.extensions["idp.outbox"].as_json()
    assert any("code de récupération" in m["subject"] for m in mails)
    with app.app_context():
        events = [(e.event, e.outcome) for e in query(realm="jasmin")]
    assert ("recovery_code_used", "success") in events


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "offer_totp = true",
            "offer_totp = false",
            "must be true: the flow has a verify_totp step",
        ),
        ("[sessions]", "[totp]\ndigits = 7\n\n[sessions]", "expected one of: 6, 8"),
        (
            "[sessions]",
            "[totp]\nlock_seconds = 60\nlock_max_seconds = 30\n\n[sessions]",
            "lock_max_seconds: must be at least lock_seconds",
        ),
        ("[sessions]", '[totp]\nsign_in = "sms"\n\n[sessions]', "unknown value 'sms'"),
        ("[sessions]", "[totp]\ndrift = 11\n\n[sessions]", "less than or equal to 10"),
    ],
)
def test_totp_settings_are_checked(old: str, new: str, message: str) -> None:
    with pytest.raises(PresetError, match=re.escape(message)):
        parse_preset(_jasmin_text().replace(old, new, 1), "jasmin.toml")


def test_codes_first_needs_seeds() -> None:
    text = _jasmin_text().replace("offer_totp = true", "offer_totp = false")
    text = text.replace(JASMIN_ALTERNATIVES, 'verify_push = ["verify_recovery_code"]')
    text = text.replace("[sessions]", '[totp]\nsign_in = "totp_only"\n\n[sessions]')
    with pytest.raises(PresetError, match=re.escape("totp.sign_in: needs push.offer_totp = true")):
        parse_preset(text, "jasmin.toml")


def test_a_locked_account_answers_like_an_unknown_one(
    app: Flask, clock: FixedClock, device: ProtocolDevice
) -> None:
    pages = {}
    for login in ("camille.martin", "ghost.user"):
        for _ in range(2):  # two attempts of 5 tries lock camille (lock_after = 5)
            c = app.test_client()
            _start(c, login)
            _choose(c, "verify_totp")
            for _ in range(3):
                _post(c, "verify_totp", code="000000")
        c = app.test_client()
        _start(c, login)
        _choose(c, "verify_totp")
        pages[login] = text_of(_post(c, "verify_totp", code=_code(device, clock)))
    assert "Code incorrect" in pages["camille.martin"]
    assert "Code incorrect" in pages["ghost.user"]
    assert "Trop d'essais" not in pages["camille.martin"]
    with app.app_context():
        assert any(e.event == "second_factor_locked" for e in query(realm="jasmin"))
