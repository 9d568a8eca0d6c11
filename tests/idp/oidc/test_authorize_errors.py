"""Every authorization error (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6) with its exact code.

A request whose client or redirect URI cannot be trusted gets a page, never a redirect; any
later error goes back to the registered redirect URI with the request's state.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from tests.idp.conftest import text_of
from tests.idp.oidc.conftest import REDIRECT, RelyingParty, query_of, sign_in_and_consent


def error_at_client(rp: RelyingParty, resp: Any) -> dict[str, str]:
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    location = resp.headers["Location"]
    assert location.startswith(REDIRECT + "?"), location
    q = query_of(location)
    assert q["state"] == rp.last["state"]
    return q


def error_page(resp: Any) -> str:
    assert resp.status_code == 400
    assert "Location" not in resp.headers
    page = text_of(resp)
    assert "Demande de connexion invalide" in page
    return page


@pytest.mark.parametrize(
    "params",
    [
        {"client_id": "no-such-client"},
        {"client_id": None},
        {"redirect_uri": REDIRECT + "/evil"},
        {"redirect_uri": "http://127.0.0.1:8766/callback"},
        {"redirect_uri": REDIRECT.upper()},
        {"redirect_uri": None},
    ],
    ids=["unknown-client", "no-client", "path-added", "other-port", "case", "no-redirect"],
)
def test_untrusted_client_or_redirect_uri_is_never_redirected_to(
    rp: RelyingParty, params: dict[str, str | None]
) -> None:
    page = error_page(rp.authorize(**params))
    assert ("invalid_client" in page) or ("invalid_request" in page)


def test_redirect_uri_of_another_realm_client_is_refused(
    client: FlaskClient, register: Any
) -> None:
    client_id, secret = register("uphf")
    rp = RelyingParty(client, "jasmin", client_id, secret)  # uphf's client asking jasmin
    assert "invalid_client" in error_page(rp.authorize())


def test_unsupported_response_type(rp: RelyingParty) -> None:
    q = error_at_client(rp, rp.authorize(response_type="token"))
    assert q["error"] == "unsupported_response_type"


def test_invalid_scope(rp: RelyingParty) -> None:
    q = error_at_client(rp, rp.authorize(scope="openid admin"))
    assert q["error"] == "invalid_scope"


def test_public_client_without_pkce_is_invalid_request(public_rp: RelyingParty) -> None:
    q = error_at_client(public_rp, public_rp.authorize(code_challenge=None))
    assert q["error"] == "invalid_request"
    assert "code_challenge" in q["error_description"]


def test_plain_pkce_is_refused(rp: RelyingParty) -> None:
    q = error_at_client(rp, rp.authorize(code_challenge_method="plain"))
    assert q["error"] == "invalid_request"


@pytest.mark.parametrize("param", ["state", "redirect_uri", "client_id"])
def test_repeated_parameter_is_invalid_request_shown_here(rp: RelyingParty, param: str) -> None:
    # Checked before the redirect URI can be trusted (RFC 6749 §3.1): a page, no redirect.
    query = urlencode(rp.authorize_params()) + f"&{param}=second"
    page = error_page(rp.browser.get(f"/realms/jasmin/oidc/authorize?{query}"))
    assert "invalid_request" in page


def test_bad_max_age_is_invalid_request(rp: RelyingParty) -> None:
    sign_in_and_consent(rp)
    q = error_at_client(rp, rp.authorize(max_age="-5"))
    assert q["error"] == "invalid_request"


def test_refused_consent_is_access_denied(rp: RelyingParty) -> None:
    from tests.idp.oidc.conftest import submit_login

    first = rp.authorize()
    submit_login(rp.browser, first.headers["Location"], "camille.martin", "Tournesol-Vert-42!")
    page = rp.browser.get(f"/realms/jasmin/oidc/authorize?{urlencode(rp.last)}")
    q = error_at_client(rp, rp.consent(page, decision="deny"))
    assert q["error"] == "access_denied"


def test_prompt_none_without_session_is_login_required(rp: RelyingParty) -> None:
    q = error_at_client(rp, rp.authorize(prompt="none"))
    assert q["error"] == "login_required"


def test_prompt_none_without_consent_is_consent_required(
    rp: RelyingParty, client: FlaskClient, register: Any
) -> None:
    sign_in_and_consent(rp)
    other_id, other_secret = register(name="Autre application")
    other = RelyingParty(client, "jasmin", other_id, other_secret)
    q = error_at_client(other, other.authorize(prompt="none"))
    assert q["error"] == "consent_required"


def test_prompt_none_needing_a_second_factor_is_interaction_required(rp: RelyingParty) -> None:
    sign_in_and_consent(rp)
    q = error_at_client(rp, rp.authorize(prompt="none", acr_values="urn:sspr-push-lab:acr:mfa"))
    assert q["error"] == "interaction_required"


def test_prompt_none_with_another_value_is_invalid_request(rp: RelyingParty) -> None:
    sign_in_and_consent(rp)
    q = error_at_client(rp, rp.authorize(prompt="none login"))
    assert q["error"] == "invalid_request"


def test_second_factor_without_any_device_is_access_denied(rp: RelyingParty) -> None:
    sign_in_and_consent(rp)
    q = error_at_client(rp, rp.authorize(acr_values="urn:sspr-push-lab:acr:mfa"))
    assert q["error"] == "access_denied"


@pytest.mark.parametrize(
    ("param", "code"),
    [
        ("request", "request_not_supported"),
        ("request_uri", "request_uri_not_supported"),
        ("registration", "registration_not_supported"),
    ],
)
def test_unsupported_oidc_parameters(rp: RelyingParty, param: str, code: str) -> None:
    q = error_at_client(rp, rp.authorize(**{param: "eyJhbGciOiJub25lIn0.e30."}))
    assert q["error"] == code
