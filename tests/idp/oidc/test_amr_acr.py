"""How the user authenticated, as the application sees it: amr/acr, step-up, prompt, max_age."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import Flask

from idp.clock import FixedClock
from tests.conftest import FIXED_NOW
from tests.idp.conftest import text_of
from tests.idp.oidc.conftest import (
    PASSWORD,
    RelyingParty,
    approve_pending,
    query_of,
    sign_in_and_consent,
    submit_login,
    verify_id_token,
)

MFA = "urn:sspr-push-lab:acr:mfa"
PWD = "urn:sspr-push-lab:acr:pwd"


def claims_of(rp: RelyingParty, code: str) -> dict[str, Any]:
    resp = rp.exchange(code)
    assert resp.status_code == 200, resp.get_json()
    return verify_id_token(rp.browser, resp.get_json()["id_token"], rp.client_id)


def test_password_only(rp: RelyingParty) -> None:
    claims = claims_of(rp, sign_in_and_consent(rp))
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == PWD


def test_push_at_sign_in_gives_mfa(app: Flask, rp: RelyingParty, enroll_device: Any) -> None:
    device = enroll_device()
    to_login = rp.authorize().headers["Location"]
    signed = submit_login(rp.browser, to_login, "camille.martin", PASSWORD)
    assert signed.headers["Location"] == "/realms/jasmin/login/push"
    approve_pending(app, device)
    back = rp.browser.get("/realms/jasmin/login/push")
    assert back.status_code == 302
    assert back.headers["Location"].startswith("/realms/jasmin/oidc/authorize?")
    code = rp.code_from(rp.consent(rp.browser.get(back.headers["Location"])))
    claims = claims_of(rp, code)
    assert set(claims["amr"]) == {"pwd", "swk", "mfa"}
    assert claims["acr"] == MFA


def test_step_up_asks_push_once_then_reuses_it(
    app: Flask, rp: RelyingParty, enroll_device: Any, clock: FixedClock
) -> None:
    assert claims_of(rp, sign_in_and_consent(rp))["amr"] == ["pwd"]
    device = enroll_device()  # the realm's sign-in did not ask for it: this session has none
    clock.advance(timedelta(minutes=5))
    device.now = clock.now()
    step = rp.authorize(acr_values=MFA)
    assert step.headers["Location"] == "/realms/jasmin/login/push"
    page = text_of(rp.browser.get("/realms/jasmin/login/push"))
    assert "Approuver la connexion" in page
    approve_pending(app, device)
    back = rp.browser.get("/realms/jasmin/login/push")
    code = rp.code_from(rp.browser.get(back.headers["Location"]))
    claims = claims_of(rp, code)
    assert set(claims["amr"]) == {"pwd", "swk", "mfa"}
    assert claims["acr"] == MFA
    assert claims["auth_time"] == int((FIXED_NOW + timedelta(minutes=5)).timestamp())
    # The session now has the second factor: asking again does not push again.
    again = rp.authorize(acr_values=MFA)
    assert claims_of(rp, rp.code_from(again))["acr"] == MFA
    assert device.pending() == []


def test_prompt_login_signs_in_again(rp: RelyingParty, clock: FixedClock) -> None:
    sign_in_and_consent(rp)
    clock.advance(timedelta(minutes=10))
    resp = rp.authorize(prompt="login")
    to_login = resp.headers["Location"]
    assert urlsplit(to_login).path == "/realms/jasmin/login"
    next_url = parse_qs(urlsplit(to_login).query)["next"][0]
    assert "prompt" not in parse_qs(urlsplit(next_url).query)  # honoured once, no loop
    assert submit_login(rp.browser, to_login, "camille.martin", PASSWORD).status_code == 302
    claims = claims_of(rp, rp.code_from(rp.browser.get(next_url)))
    assert claims["auth_time"] == int((FIXED_NOW + timedelta(minutes=10)).timestamp())


def test_max_age(rp: RelyingParty, clock: FixedClock) -> None:
    sign_in_and_consent(rp)
    clock.advance(timedelta(seconds=120))
    assert rp.code_from(rp.authorize(max_age="600"))  # recent enough: no sign-in
    resp = rp.authorize(max_age="60")
    assert urlsplit(resp.headers["Location"]).path == "/realms/jasmin/login"


def test_login_hint_fills_the_identifier(rp: RelyingParty) -> None:
    to_login = rp.authorize(login_hint="camille.martin").headers["Location"]
    assert 'value="camille.martin"' in rp.browser.get(to_login).get_data(as_text=True)


def test_ui_locales_picks_the_language(rp: RelyingParty) -> None:
    to_login = rp.authorize(ui_locales="en-GB fr").headers["Location"]
    page = text_of(rp.browser.get(to_login))
    assert '<html lang="en">' in page


def test_end_session_with_id_token_hint(rp: RelyingParty) -> None:
    body = rp.exchange(sign_in_and_consent(rp)).get_json()
    query = urlencode(
        {
            "id_token_hint": body["id_token"],
            "post_logout_redirect_uri": "http://127.0.0.1:8765/",
            "state": "bye",
        }
    )
    resp = rp.browser.get(f"/realms/jasmin/oidc/logout?{query}")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "http://127.0.0.1:8765/?state=bye"
    assert rp.browser.get("/realms/jasmin/profile").status_code == 302  # signed out


def test_end_session_without_hint_asks_first_and_never_redirects_unregistered(
    rp: RelyingParty,
) -> None:
    from tests.idp.conftest import csrf_from

    sign_in_and_consent(rp)
    query = urlencode({"client_id": rp.client_id, "post_logout_redirect_uri": "https://evil/"})
    page = rp.browser.get(f"/realms/jasmin/oidc/logout?{query}")
    assert page.status_code == 200
    assert "Voulez-vous vous déconnecter ?" in text_of(page)
    assert rp.browser.get("/realms/jasmin/profile").status_code == 200  # still signed in
    done = rp.browser.post(
        f"/realms/jasmin/oidc/logout?{query}",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "confirm": "yes"},
    )
    assert done.status_code == 200
    assert "Vous êtes déconnecté." in text_of(done)
    assert rp.browser.get("/realms/jasmin/profile").status_code == 302


def test_end_session_with_a_forged_hint_is_refused(rp: RelyingParty) -> None:
    resp = rp.browser.get("/realms/jasmin/oidc/logout?id_token_hint=eyJhbGciOiJub25lIn0.e30.")
    assert resp.status_code == 400
    assert "Location" not in resp.headers


def test_consent_list_and_revocation(rp: RelyingParty) -> None:
    from tests.idp.conftest import csrf_from

    token = rp.exchange(sign_in_and_consent(rp)).get_json()["access_token"]
    page = rp.browser.get("/realms/jasmin/oidc/consents")
    assert "Espace pédagogique JASMIN" in text_of(page)
    resp = rp.browser.post(
        f"/realms/jasmin/oidc/consents/{rp.client_id}/revoke",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert resp.status_code == 302
    assert "Aucune application" in text_of(rp.browser.get("/realms/jasmin/oidc/consents"))
    auth = {"Authorization": f"Bearer {token}"}
    assert rp.browser.get("/realms/jasmin/oidc/userinfo", headers=auth).status_code == 401
    # Consent is asked again next time.
    assert 'data-testid="oidc-consent"' in rp.authorize().get_data(as_text=True)


def test_step_up_over_the_push_limit_is_temporarily_unavailable(
    rp: RelyingParty, enroll_device: Any
) -> None:
    sign_in_and_consent(rp)
    enroll_device()
    for _ in range(5):  # jasmin: max_challenges = 5 per window
        assert rp.authorize(acr_values=MFA).headers["Location"] == "/realms/jasmin/login/push"
    resp = rp.authorize(acr_values=MFA)
    assert resp.status_code == 302
    q = query_of(resp.headers["Location"])
    assert q["error"] == "temporarily_unavailable"
    assert q["state"] == rp.last["state"]
    # The wait is rounded up, with a real plural: the window is 900 s, nothing has aged yet.
    waited = re.fullmatch(
        r"Too many notifications; retry in (\d+) minutes\.", q["error_description"]
    )
    assert waited, q["error_description"]
    assert int(waited.group(1)) * 60 >= 900


def test_consent_given_twice_at_once_is_one_row(app: Flask, rp: RelyingParty) -> None:
    import threading

    from sqlalchemy import func, select

    from idp.audit.service import ClientInfo
    from idp.extensions import db
    from idp.models import OidcConsent
    from idp.oidc.clients import find_client
    from idp.oidc.service import grant_consent
    from idp.realms.store import get_realm
    from idp.users.service import find_user

    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def give() -> None:
        with app.app_context():
            realm = get_realm("jasmin")
            user = find_user(realm, "camille.martin")
            client = find_client(realm, rp.client_id)
            barrier.wait()
            try:
                grant_consent(user, client, "openid email", now=FIXED_NOW, client_info=ClientInfo())
                db.session.commit()
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=give) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OidcConsent)) == 1


def test_consent_revoked_from_the_security_info_page(rp: RelyingParty) -> None:
    from tests.idp.conftest import csrf_from

    rp.exchange(sign_in_and_consent(rp))
    page = rp.browser.get("/realms/jasmin/security")
    assert "Applications autorisées" in text_of(page)
    assert "Espace pédagogique JASMIN" in text_of(page)
    resp = rp.browser.post(
        f"/realms/jasmin/oidc/consents/{rp.client_id}/revoke",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "back": "security"},
    )
    assert resp.headers["Location"].endswith("/realms/jasmin/security")
    after = text_of(rp.browser.get("/realms/jasmin/security"))
    assert "Aucune application n'a accès à votre compte." in after


def test_step_up_with_a_code_from_the_app(
    app: Flask, rp: RelyingParty, enroll_device: Any, clock: FixedClock
) -> None:
    from idp.extensions import db
    from idp.mfa.totp import TotpParams, code_at
    from idp.realms.preset import builtin_preset_paths, parse_preset
    from idp.realms.store import import_preset
    from tests.idp.conftest import csrf_from

    assert claims_of(rp, sign_in_and_consent(rp))["amr"] == ["pwd"]
    device = enroll_device()
    # The realm puts codes first: the step-up asks for a code, no push is sent.
    text = next(p for p in builtin_preset_paths() if p.stem == "jasmin").read_text()
    with app.app_context():
        import_preset(
            parse_preset(text + '\n[totp]\nsign_in = "totp_first"\n', "jasmin.toml"),
            now=clock.now(),
        )
        db.session.commit()
    step = rp.authorize(acr_values=MFA)
    assert step.headers["Location"] == "/realms/jasmin/login/code"
    assert device.pending() == []
    totp = device.receipt.totp
    code = code_at(
        totp.secret,
        TotpParams(totp.digits, totp.period, totp.algorithm),
        int(clock.now().timestamp()) // totp.period,
    )
    page = rp.browser.get("/realms/jasmin/login/code")
    back = rp.browser.post(
        "/realms/jasmin/login/code",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "code": code},
    )
    assert back.status_code == 302
    claims = claims_of(rp, rp.code_from(rp.browser.get(back.headers["Location"])))
    assert set(claims["amr"]) == {"pwd", "otp", "mfa"}
    assert claims["acr"] == MFA
