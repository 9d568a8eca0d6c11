"""Recovery codes: made once and shown once, stored hashed, single use, audited and mailed."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from idp.audit.service import query
from idp.clock import FixedClock
from idp.extensions import db
from idp.mail.deferred import flush
from idp.mfa import recovery_codes
from idp.mfa.errors import RecoveryCodeInvalid, SecondFactorLocked
from idp.models import RecoveryCode, User
from tests.idp.conftest import csrf_from, login, plain, text_of
from tests.idp.mfa.conftest import CodeDevice

PASSWORD = "Tournesol-Vert-42!"
CODE_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def _user(dev: CodeDevice) -> User:
    user = db.session.get(User, dev.user_id)
    assert user is not None
    return user


def _generate(app: Flask, dev: CodeDevice, clock: FixedClock) -> list[str]:
    with app.app_context():
        codes = recovery_codes.generate(_user(dev), now=clock.now(), client=None)
        db.session.commit()
    return codes


def test_ten_codes_of_80_bits_stored_as_hashes(
    app: Flask, clock: FixedClock, code_device: CodeDevice
) -> None:
    codes = _generate(app, code_device, clock)
    assert len(codes) == len(set(codes)) == 10
    assert all(CODE_SHAPE.match(c) for c in codes)
    with app.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10
        assert not any(c.replace("-", "") in h for c in codes for h in stored)
        assert recovery_codes.remaining(_user(code_device)) == 10


def test_a_code_works_once_typed_loosely_and_the_use_is_audited_and_mailed(
    app: Flask, clock: FixedClock, code_device: CodeDevice
) -> None:
    codes = _generate(app, code_device, clock)
    loose = codes[0].replace("-", " ").lower().replace("0", "o")
    with app.app_context():
        user = _user(code_device)
        left = recovery_codes.use(user, loose, now=clock.now(), client=None, purpose="sign_in")
        db.session.commit()
        flush()  # outside a request, deferred mail goes once the change is committed
        assert left == 9
        with pytest.raises(RecoveryCodeInvalid):
            recovery_codes.use(user, codes[0], now=clock.now(), client=None, purpose="sign_in")
        db.session.commit()
        events = [(e.event, e.outcome) for e in query(realm="jasmin")]
        assert ("recovery_code_used", "success") in events
        assert ("recovery_code_verify", "failure") in events
    mails = app.extensions["idp.outbox"].as_json()
    [mail] = [m for m in mails if "code de récupération" in m["subject"]]
    assert "Codes de récupération restants : 9." in plain(mail["text"])


def test_new_codes_void_the_old_ones(
    app: Flask, clock: FixedClock, code_device: CodeDevice
) -> None:
    old = _generate(app, code_device, clock)
    new = _generate(app, code_device, clock)
    assert not set(old) & set(new)
    with app.app_context():
        user = _user(code_device)
        with pytest.raises(RecoveryCodeInvalid):
            recovery_codes.use(user, old[1], now=clock.now(), client=None, purpose="t")
        assert recovery_codes.use(user, new[1], now=clock.now(), client=None, purpose="t") == 9


def test_wrong_recovery_codes_count_towards_the_lock(
    app: Flask, clock: FixedClock, code_device: CodeDevice
) -> None:
    codes = _generate(app, code_device, clock)
    with app.app_context():
        user = _user(code_device)
        for _ in range(5):
            with pytest.raises(RecoveryCodeInvalid):
                recovery_codes.use(
                    user, "AAAA-AAAA-AAAA-AAAA", now=clock.now(), client=None, purpose="t"
                )
        db.session.commit()
        with pytest.raises(SecondFactorLocked):
            recovery_codes.use(user, codes[0], now=clock.now(), client=None, purpose="t")
        later = clock.now() + timedelta(seconds=31)
        assert recovery_codes.use(user, codes[0], now=later, client=None, purpose="t") == 9


def test_concurrent_use_of_one_code(app: Flask, clock: FixedClock, code_device: CodeDevice) -> None:
    codes = _generate(app, code_device, clock)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def spend() -> None:
        with app.app_context():
            user = _user(code_device)
            barrier.wait()
            try:
                recovery_codes.use(user, codes[3], now=clock.now(), client=None, purpose="t")
                results.append("accepted")
            except RecoveryCodeInvalid as exc:
                results.append(exc.code)
            finally:
                db.session.commit()

    threads = [threading.Thread(target=spend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["accepted", "recovery_code_invalid"]


def _signed_in(client: FlaskClient) -> str:
    assert login(client, "jasmin", "camille.martin", PASSWORD).status_code == 302
    return csrf_from(client.get("/realms/jasmin/login/code").get_data(as_text=True))


def test_shown_once_after_enrolling_then_counted_on_the_profile(
    app: Flask, client: FlaskClient, clock: FixedClock, code_device: CodeDevice
) -> None:
    # Sign in with a code (the user has a device), then the enroll page's « C'est fait ».
    from tests.idp.mfa.test_sign_in_code import post_code

    login(client, "jasmin", "camille.martin", PASSWORD)
    assert post_code(client, code_device.code(clock)).status_code == 302
    add = client.get("/realms/jasmin/security/devices/add").get_data(as_text=True)
    page = client.post(
        "/realms/jasmin/security/devices/add",
        data={"csrf_token": csrf_from(add), "current_password": PASSWORD},
    )
    token = csrf_from(page.get_data(as_text=True))
    assert "afficher mes codes de récupération" in text_of(page)
    shown = client.post("/realms/jasmin/recovery-codes", data={"csrf_token": token})
    assert shown.headers["Cache-Control"] == "no-store"
    html = text_of(shown)
    codes = re.findall(r"<li><code>([0-9A-Z-]{19})</code></li>", html)
    assert len(codes) == 10
    assert 'download="codes-recuperation-jasmin-camille.martin.txt"' in html
    assert "data:text/plain;charset=utf-8," in html
    # Never shown again: the same button now leads to the profile.
    again = client.post("/realms/jasmin/recovery-codes", data={"csrf_token": token})
    assert again.headers["Location"].endswith("/realms/jasmin/profile")
    profile = text_of(client.get("/realms/jasmin/profile"))
    assert "Codes de récupération restants : 10." in profile
    fresh = client.post("/realms/jasmin/recovery-codes", data={"csrf_token": token, "replace": "1"})
    assert not set(codes) & set(
        re.findall(r"<li><code>([0-9A-Z-]{19})</code></li>", text_of(fresh))
    )


def test_no_codes_before_the_app_is_enrolled(client: FlaskClient) -> None:
    login(client, "jasmin", "theo.lefebvre", "Kayak&Brume#2031")
    token = csrf_from(client.get("/realms/jasmin/profile").get_data(as_text=True))
    resp = client.post("/realms/jasmin/recovery-codes", data={"csrf_token": token, "replace": "1"})
    assert resp.headers["Location"].endswith("/realms/jasmin/profile")
    # Théo reads English.
    assert "First add the Authenticator app" in text_of(client.get("/realms/jasmin/profile"))


def test_sign_in_with_a_recovery_code(
    app: Flask, client: FlaskClient, clock: FixedClock, code_device: CodeDevice
) -> None:
    codes = _generate(app, code_device, clock)
    login(client, "jasmin", "camille.martin", PASSWORD)
    assert "Utiliser un code de récupération" in text_of(client.get("/realms/jasmin/login/push"))
    page = client.get("/realms/jasmin/login/recovery-code")
    token = csrf_from(page.get_data(as_text=True))
    wrong = client.post(
        "/realms/jasmin/login/recovery-code", data={"csrf_token": token, "code": "nope"}
    )
    assert "n'est pas valide ou a déjà été utilisé" in text_of(wrong)
    resp = client.post(
        "/realms/jasmin/login/recovery-code", data={"csrf_token": token, "code": codes[5]}
    )
    assert resp.headers["Location"].endswith("/realms/jasmin/profile")
    profile = text_of(client.get("/realms/jasmin/profile"))
    assert "Il vous en reste 9" in profile
    assert "Codes de récupération restants : 9." in profile
