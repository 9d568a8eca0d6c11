"""Every token endpoint error (RFC 6749 §5.2) with its exact code; codes are single use."""

from __future__ import annotations

import base64
import threading
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from idp.clock import FixedClock
from tests.idp.oidc.conftest import RelyingParty, sign_in_and_consent


def error_of(resp: Any, status: int = 400) -> str:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    return str(resp.get_json()["error"])


def userinfo(rp: RelyingParty, access_token: str) -> int:
    return rp.browser.get(
        "/realms/jasmin/oidc/userinfo", headers={"Authorization": f"Bearer {access_token}"}
    ).status_code


def test_wrong_client_secret_is_invalid_client(rp: RelyingParty) -> None:
    code = sign_in_and_consent(rp)
    rp.secret = "not-the-secret"
    resp = rp.exchange(code)
    assert error_of(resp, 401) == "invalid_client"
    assert resp.headers["WWW-Authenticate"].startswith("Basic")


def test_secret_in_the_body_works_and_a_wrong_one_does_not(rp: RelyingParty) -> None:
    code = sign_in_and_consent(rp)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": rp.redirect_uri,
        "code_verifier": rp.verifier,
        "client_id": rp.client_id,
        "client_secret": "wrong",
    }
    assert error_of(rp.browser.post("/realms/jasmin/oidc/token", data=data), 401) == (
        "invalid_client"
    )
    data["client_secret"] = rp.secret or ""
    assert rp.browser.post("/realms/jasmin/oidc/token", data=data).status_code == 200


def test_confidential_client_without_secret_is_invalid_client(rp: RelyingParty) -> None:
    code = sign_in_and_consent(rp)
    rp.secret = None  # sends client_id only, as a public client would
    assert error_of(rp.exchange(code), 401) == "invalid_client"


def test_missing_code_is_invalid_request(rp: RelyingParty) -> None:
    sign_in_and_consent(rp)
    assert error_of(rp.exchange("")) == "invalid_request"


def test_unknown_code_is_invalid_grant(rp: RelyingParty) -> None:
    sign_in_and_consent(rp)
    assert error_of(rp.exchange("made-up-code")) == "invalid_grant"


def test_unsupported_grant_type(rp: RelyingParty) -> None:
    auth = base64.b64encode(f"{rp.client_id}:{rp.secret}".encode()).decode()
    resp = rp.browser.post(
        "/realms/jasmin/oidc/token",
        data={"grant_type": "password", "username": "camille.martin", "password": "x"},
        headers={"Authorization": f"Basic {auth}"},
    )
    assert error_of(resp) == "unsupported_grant_type"


def test_pkce_mismatch_is_invalid_grant(rp: RelyingParty) -> None:
    code = sign_in_and_consent(rp)
    assert error_of(rp.exchange(code, verifier="x" * 50)) == "invalid_grant"


def test_public_client_without_verifier_is_invalid_request(public_rp: RelyingParty) -> None:
    code = sign_in_and_consent(public_rp)
    assert error_of(public_rp.exchange(code, verifier="")) == "invalid_request"


def test_redirect_uri_mismatch_is_invalid_grant(rp: RelyingParty) -> None:
    code = sign_in_and_consent(rp)
    assert error_of(rp.exchange(code, redirect_uri="http://127.0.0.1:8765/other")) == (
        "invalid_grant"
    )


def test_code_of_another_client_is_invalid_grant(
    rp: RelyingParty, client: FlaskClient, register: Any
) -> None:
    code = sign_in_and_consent(rp)
    other_id, other_secret = register(name="Autre")
    other = RelyingParty(client, "jasmin", other_id, other_secret, verifier=rp.verifier)
    assert error_of(other.exchange(code)) == "invalid_grant"
    assert rp.exchange(code).status_code == 200  # the rightful client still can


def test_expired_code_is_invalid_grant(rp: RelyingParty, clock: FixedClock) -> None:
    code = sign_in_and_consent(rp)
    clock.advance(timedelta(seconds=61))
    assert error_of(rp.exchange(code)) == "invalid_grant"


def test_reused_code_is_refused_and_its_tokens_revoked(rp: RelyingParty) -> None:
    code = sign_in_and_consent(rp)
    first = rp.exchange(code)
    assert first.status_code == 200
    token = first.get_json()["access_token"]
    assert userinfo(rp, token) == 200
    assert error_of(rp.exchange(code)) == "invalid_grant"
    assert userinfo(rp, token) == 401


def test_racing_exchanges_of_one_code_give_exactly_one_token(app: Flask, rp: RelyingParty) -> None:
    code = sign_in_and_consent(rp)
    auth = base64.b64encode(f"{rp.client_id}:{rp.secret}".encode()).decode()
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": rp.redirect_uri,
        "code_verifier": rp.verifier,
    }
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def exchange() -> None:
        c = app.test_client()
        barrier.wait()
        resp = c.post(
            "/realms/jasmin/oidc/token", data=data, headers={"Authorization": f"Basic {auth}"}
        )
        results.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=exchange) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [body for status, body in results if status == 200]
    refused = [body["error"] for status, body in results if status != 200]
    assert len(ok) == 1, results
    assert refused == ["invalid_grant"] * 3
    # The replay revoked what the code gave: reuse is never rewarded.
    assert userinfo(rp, ok[0]["access_token"]) == 401


def test_expired_codes_and_tokens_are_purged_later(
    app: Flask, rp: RelyingParty, clock: FixedClock
) -> None:
    from sqlalchemy import func, select

    from idp.extensions import db
    from idp.models import OidcAuthorizationCode, OidcToken

    assert rp.exchange(sign_in_and_consent(rp)).status_code == 200
    for _ in range(6):  # two hours, the browser session kept alive (its idle timeout is 30 min)
        clock.advance(timedelta(minutes=20))
        assert rp.browser.get("/realms/jasmin/profile").status_code == 200
    rp.code_from(rp.authorize())  # a new code: the old code and token are gone
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OidcToken)) == 0
        assert db.session.scalar(select(func.count()).select_from(OidcAuthorizationCode)) == 1
