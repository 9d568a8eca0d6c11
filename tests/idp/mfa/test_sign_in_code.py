"""Sign-in with a code from the app: from the push wait page, codes first, codes only."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.audit.service import query
from idp.clock import FixedClock
from idp.extensions import db
from idp.mfa.totp import TotpParams, code_at
from tests.idp.conftest import csrf_from, login, text_of
from tests.idp.device_api.device import ProtocolDevice

PASSWORD = "Tournesol-Vert-42!"


def reimport_jasmin(app: Flask, **replacements: str) -> None:
    """The jasmin preset with some lines replaced (a realm administrator's edit)."""
    from idp.realms.preset import builtin_preset_paths, parse_preset
    from idp.realms.store import import_preset

    text = next(p for p in builtin_preset_paths() if p.stem == "jasmin").read_text()
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    with app.app_context():
        import_preset(parse_preset(text, "jasmin.toml"), now=app.extensions["idp.clock"].now())
        db.session.commit()


@pytest.fixture
def enrolled(app: Flask, clock: FixedClock, make_uri: Callable[..., str]) -> ProtocolDevice:
    dev = ProtocolDevice(app.test_client(), clock.now())
    assert dev.enroll(make_uri()).status_code == 201
    assert dev.receipt is not None
    assert dev.receipt.totp is not None
    return dev


def receipt_code(dev: ProtocolDevice, clock: FixedClock, offset: int = 0) -> str:
    assert dev.receipt is not None
    assert dev.receipt.totp is not None
    totp = dev.receipt.totp
    params = TotpParams(totp.digits, totp.period, totp.algorithm)
    return code_at(totp.secret, params, int(clock.now().timestamp()) // totp.period + offset)


def post_code(client: FlaskClient, code: str) -> object:
    page = client.get("/realms/jasmin/login/code")
    return client.post(
        "/realms/jasmin/login/code",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "code": code},
    )


def test_wait_page_offers_a_code_and_the_code_signs_in(
    client: FlaskClient, clock: FixedClock, enrolled: ProtocolDevice
) -> None:
    resp = login(client, "jasmin", "camille.martin", PASSWORD)
    assert resp.headers["Location"].endswith("/realms/jasmin/login/push")
    wait = text_of(client.get("/realms/jasmin/login/push"))
    assert "Utiliser un code de vérification" in wait
    page = text_of(client.get("/realms/jasmin/login/code"))
    assert "Envoyer une notification" in page
    assert 'autocomplete="one-time-code"' in page
    assert client.get("/realms/jasmin/profile").status_code == 302  # not signed in yet
    resp = post_code(client, receipt_code(enrolled, clock))
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/realms/jasmin/profile")
    assert client.get("/realms/jasmin/profile").status_code == 200


@pytest.mark.skipif(shutil.which("oathtool") is None, reason="oathtool (Debian) not installed")
def test_a_code_from_oathtool_for_the_secret_the_app_received(
    client: FlaskClient, clock: FixedClock, enrolled: ProtocolDevice
) -> None:
    assert enrolled.receipt is not None
    assert enrolled.receipt.totp is not None
    stamp = clock.now().strftime("%Y-%m-%d %H:%M:%S UTC")
    code = subprocess.run(
        ["oathtool", "--totp", "-b", "-N", stamp, enrolled.receipt.totp.secret],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    login(client, "jasmin", "camille.martin", PASSWORD)
    resp = post_code(client, code)
    assert resp.headers["Location"].endswith("/realms/jasmin/profile")


def test_wrong_replayed_and_malformed_codes_are_explained(
    app: Flask, client: FlaskClient, clock: FixedClock, enrolled: ProtocolDevice
) -> None:
    login(client, "jasmin", "camille.martin", PASSWORD)
    right = receipt_code(enrolled, clock)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert "Code incorrect" in text_of(post_code(client, wrong))
    assert "composé de 6 chiffres" in text_of(post_code(client, "12ab56"))
    assert "Saisissez le code" in text_of(post_code(client, ""))
    assert post_code(client, right).status_code == 302
    other = FlaskClient(app)  # another browser replays the same code
    login(other, "jasmin", "camille.martin", PASSWORD)
    assert "déjà été utilisé" in text_of(post_code(other, right))
    with app.app_context():
        reasons = [
            e.details.get("reason") for e in query(realm="jasmin") if e.event == "totp_verify"
        ]
    assert reasons.count("totp_invalid") == 1  # the malformed ones never reached the service
    assert "totp_replayed" in reasons


def test_wrong_codes_lock_sign_in_codes_and_pushes(
    client: FlaskClient, clock: FixedClock, enrolled: ProtocolDevice
) -> None:
    login(client, "jasmin", "camille.martin", PASSWORD)
    for _ in range(5):
        post_code(client, "000000")
    page = text_of(post_code(client, receipt_code(enrolled, clock)))
    assert "Trop d'essais infructueux. Réessayez dans 30 s." in page
    # The push is refused too while the lock holds.
    token = csrf_from(client.get("/realms/jasmin/login/code").get_data(as_text=True))
    page = text_of(
        client.post(
            "/realms/jasmin/login/push/resend",
            data={"csrf_token": token},
            follow_redirects=True,
        )
    )
    assert "Trop d'essais infructueux. Réessayez dans 30 s." in page
    clock.advance(timedelta(seconds=31))
    assert post_code(client, receipt_code(enrolled, clock)).status_code == 302


def test_codes_first_then_notification(
    app: Flask, client: FlaskClient, clock: FixedClock, enrolled: ProtocolDevice
) -> None:
    reimport_jasmin(app, **{"[sessions]": '[totp]\nsign_in = "totp_first"\n\n[sessions]'})
    resp = login(client, "jasmin", "camille.martin", PASSWORD)
    assert resp.headers["Location"].endswith("/realms/jasmin/login/code")
    assert client.get("/realms/jasmin/login/push").headers["Location"].endswith("/login/code")
    page = client.get("/realms/jasmin/login/code")
    assert "Envoyer une notification" in text_of(page)
    resp = client.post(
        "/realms/jasmin/login/push/resend",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert resp.headers["Location"].endswith("/realms/jasmin/login/push")
    assert "Utiliser un code de vérification" in text_of(client.get("/realms/jasmin/login/push"))


def test_codes_only(
    app: Flask, client: FlaskClient, clock: FixedClock, enrolled: ProtocolDevice
) -> None:
    reimport_jasmin(app, **{"[sessions]": '[totp]\nsign_in = "totp_only"\n\n[sessions]'})
    login(client, "jasmin", "camille.martin", PASSWORD)
    page = client.get("/realms/jasmin/login/code")
    assert "Envoyer une notification" not in text_of(page)
    resp = client.post(
        "/realms/jasmin/login/push/resend",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert resp.headers["Location"].endswith("/realms/jasmin/login/code")
    with app.app_context():
        assert not [e for e in query(realm="jasmin") if e.event.startswith("push_sent")]
    assert post_code(client, receipt_code(enrolled, clock)).status_code == 302


def test_realm_settings_shape_the_receipt(
    app: Flask, clock: FixedClock, make_uri: Callable[..., str]
) -> None:
    reimport_jasmin(
        app,
        **{"[sessions]": '[totp]\ndigits = 8\nperiod = 60\nalgorithm = "SHA256"\n\n[sessions]'},
    )
    dev = ProtocolDevice(app.test_client(), clock.now())
    assert dev.enroll(make_uri()).status_code == 201
    assert dev.receipt is not None
    totp = dev.receipt.totp
    assert totp is not None
    assert (totp.digits, totp.period, totp.algorithm) == (8, 60, "SHA256")
    client = app.test_client()
    login(client, "jasmin", "camille.martin", PASSWORD)
    resp = post_code(client, receipt_code(dev, clock))
    assert resp.headers["Location"].endswith("/realms/jasmin/profile")


def test_code_page_without_a_pending_sign_in(client: FlaskClient) -> None:
    assert client.get("/realms/jasmin/login/code").headers["Location"].endswith("/login")


def test_a_code_sign_in_is_mfa_for_the_admin_console_and_oidc(
    app: Flask, client: FlaskClient, clock: FixedClock, enrolled: ProtocolDevice
) -> None:
    from sqlalchemy import select

    from idp.models import BrowserSession, User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "camille.martin"))
        assert user is not None
        user.is_admin = True
        db.session.commit()
    login(client, "jasmin", "camille.martin", PASSWORD)
    assert post_code(client, receipt_code(enrolled, clock)).status_code == 302
    with app.app_context():
        row = db.session.scalars(select(BrowserSession)).one()
        # RFC 8176: a password and a one-time code are two factors.
        assert row.amr == ["pwd", "otp", "mfa"]
    # The console asks for a second factor on jasmin: the code is one.
    assert client.get("/realms/jasmin/admin/").status_code == 200


def test_two_browsers_racing_one_code_sign_in_once(
    app: Flask, clock: FixedClock, enrolled: ProtocolDevice
) -> None:
    """The endpoint's own path (claim, audit and new session in one commit) under a race."""
    import threading

    from sqlalchemy import func, select

    from idp.models import BrowserSession

    browsers = [FlaskClient(app) for _ in range(2)]
    tokens = []
    for browser in browsers:
        login(browser, "jasmin", "camille.martin", PASSWORD)
        page = browser.get("/realms/jasmin/login/code")
        tokens.append(csrf_from(page.get_data(as_text=True)))
    code = receipt_code(enrolled, clock)
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def submit(browser: FlaskClient, token: str) -> None:
        barrier.wait()
        resp = browser.post("/realms/jasmin/login/code", data={"csrf_token": token, "code": code})
        answers.append((resp.status_code, resp.get_data(as_text=True)))

    threads = [
        threading.Thread(target=submit, args=pair) for pair in zip(browsers, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(status for status, _ in answers) == [200, 302]
    assert any("déjà été utilisé" in body for status, body in answers if status == 200)
    signed_in = [b.get("/realms/jasmin/profile").status_code for b in browsers]
    assert sorted(signed_in) == [200, 302]
    with app.app_context():
        outcomes = [
            (e.outcome, e.details.get("reason"))
            for e in query(realm="jasmin")
            if e.event == "totp_verify"
        ]
        sessions = db.session.scalar(select(func.count()).select_from(BrowserSession))
    assert sorted(outcomes, key=str) == [("failure", "totp_replayed"), ("success", None)]
    assert sessions == 1
