"""The authorization code flow through the real views, password-only sign-in."""

from __future__ import annotations

import json
from typing import Any

import jwt
from flask.testing import FlaskClient

from tests.conftest import FIXED_NOW
from tests.idp.oidc.conftest import ISSUER, RelyingParty, sign_in_and_consent, verify_id_token


def test_discovery_issuer_and_endpoints(client: FlaskClient) -> None:
    resp = client.get("/realms/jasmin/.well-known/openid-configuration")
    meta = resp.get_json()
    assert meta["issuer"] == ISSUER
    assert meta["authorization_endpoint"] == ISSUER + "/oidc/authorize"
    assert meta["jwks_uri"] == ISSUER + "/oidc/jwks"
    assert meta["end_session_endpoint"] == ISSUER + "/oidc/logout"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert set(meta["id_token_signing_alg_values_supported"]) == {"ES256", "RS256"}
    from authlib.oidc.discovery import OpenIDProviderMetadata

    OpenIDProviderMetadata(meta).validate()
    other = client.get("/realms/uphf/.well-known/openid-configuration").get_json()
    assert other["issuer"] == "http://127.0.0.1:5000/realms/uphf"
    assert client.get("/realms/nope/.well-known/openid-configuration").status_code == 404


def test_full_flow_password_only(rp: RelyingParty) -> None:
    code = sign_in_and_consent(rp)
    resp = rp.exchange(code)
    assert resp.status_code == 200, resp.get_json()
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["token_type"].lower() == "bearer"
    claims = verify_id_token(rp.browser, body["id_token"], rp.client_id)
    assert claims["nonce"] == rp.last["nonce"]
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "urn:sspr-push-lab:acr:pwd"
    assert claims["auth_time"] == int(FIXED_NOW.timestamp())
    assert claims["iat"] == int(FIXED_NOW.timestamp())
    assert claims["preferred_username"] == "camille.martin"
    assert claims["email"] == "camille.martin@cfa-jasmin.example"
    assert claims["given_name"] == "Camille"
    assert jwt.get_unverified_header(body["id_token"])["alg"] == "ES256"
    info = rp.browser.get(
        "/realms/jasmin/oidc/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert info.status_code == 200, info.get_data(as_text=True)
    assert info.get_json()["sub"] == claims["sub"]
    assert info.get_json()["family_name"] == "Martin"


def test_consent_is_remembered_and_sso_skips_sign_in(rp: RelyingParty) -> None:
    sign_in_and_consent(rp)
    again = rp.authorize()
    code = rp.code_from(again)  # no login page, no consent page
    assert rp.exchange(code).status_code == 200


def test_userinfo_refuses_a_missing_or_revoked_token(rp: RelyingParty) -> None:
    body = rp.exchange(sign_in_and_consent(rp)).get_json()
    assert rp.browser.get("/realms/jasmin/oidc/userinfo").status_code == 401
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    revoke = rp.browser.post(
        "/realms/jasmin/oidc/revoke",
        data={"token": body["access_token"], "token_type_hint": "access_token"},
        headers={"Authorization": rp_basic(rp)},
    )
    assert revoke.status_code == 200, revoke.get_data(as_text=True)
    resp = rp.browser.get("/realms/jasmin/oidc/userinfo", headers=auth)
    assert resp.status_code == 401
    assert "invalid_token" in resp.headers["WWW-Authenticate"]


def rp_basic(rp: RelyingParty) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{rp.client_id}:{rp.secret}".encode()).decode()


def test_public_client_with_pkce(public_rp: RelyingParty) -> None:
    code = sign_in_and_consent(public_rp)
    resp = public_rp.exchange(code)
    assert resp.status_code == 200, resp.get_json()
    assert "id_token" in resp.get_json()


def test_rs256_client(client: FlaskClient, register: Any) -> None:
    client_id, secret = register(id_token_alg="RS256")
    rp = RelyingParty(client, "jasmin", client_id, secret)
    body = rp.exchange(sign_in_and_consent(rp)).get_json()
    assert jwt.get_unverified_header(body["id_token"])["alg"] == "RS256"
    assert verify_id_token(client, body["id_token"], client_id)["amr"] == ["pwd"]
    jwks = client.get("/realms/jasmin/oidc/jwks").get_json()
    assert {k["kty"] for k in jwks["keys"]} == {"EC", "RSA"}
    assert json.dumps(jwks).count('"d"') == 0  # no private member published


def test_code_and_token_issuance_are_audited(app: Any, rp: RelyingParty) -> None:
    from idp.audit.service import query

    assert rp.exchange(sign_in_and_consent(rp)).status_code == 200
    with app.app_context():
        events = {e.event: e for e in query(realm="jasmin")}
    assert events["oidc_code_issued"].details["amr"] == "pwd"
    assert events["oidc_token_issued"].details["client_id"] == rp.client_id
    assert events["oidc_consent_granted"].actor == "camille.martin"
