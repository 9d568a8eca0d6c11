"""OpenID Connect fixtures: registered clients and a relying party driving the flow."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.clock import FixedClock
from idp.extensions import db
from idp.oidc.clients import register_client
from idp.realms.store import get_realm
from tests.idp.conftest import csrf_from

REDIRECT = "http://127.0.0.1:8765/callback"
LOGOUT_REDIRECT = "http://127.0.0.1:8765/"
PASSWORD = "Tournesol-Vert-42!"
ISSUER = "http://127.0.0.1:5000/realms/jasmin"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class RelyingParty:
    """A relying party as the tests drive it: builds requests, follows, exchanges."""

    browser: FlaskClient
    realm: str
    client_id: str
    secret: str | None
    redirect_uri: str = REDIRECT
    verifier: str = ""
    last: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/realms/{self.realm}/oidc"

    def authorize_params(self, **extra: str | None) -> dict[str, str]:
        self.verifier, challenge = pkce_pair()
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile email",
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **extra,
        }
        self.last = {k: v for k, v in params.items() if v is not None}
        return self.last

    def authorize(self, **extra: str | None) -> Any:
        return self.browser.get(
            f"{self.base}/authorize?{urlencode(self.authorize_params(**extra))}"
        )

    def consent(self, resp: Any, decision: str = "allow") -> Any:
        assert resp.status_code == 200, resp.headers.get("Location")
        html = resp.get_data(as_text=True)
        assert resp.mimetype == "text/html"
        assert 'data-testid="oidc-consent"' in html
        url = f"{self.base}/authorize?{urlencode(self.last)}"
        return self.browser.post(url, data={"csrf_token": csrf_from(html), "decision": decision})

    def code_from(self, resp: Any) -> str:
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        location = resp.headers["Location"]
        assert location.startswith(self.redirect_uri + "?"), location
        q = query_of(location)
        assert q.get("state") == self.last["state"], q
        assert "code" in q, q
        return q["code"]

    def exchange(self, code: str, *, verifier: str | None = None, **extra: str) -> Any:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier if verifier is None else verifier,
            **extra,
        }
        data = {k: v for k, v in data.items() if v != ""}
        if self.secret is None:
            data["client_id"] = self.client_id
            return self.browser.post(f"{self.base}/token", data=data)
        auth = base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()
        return self.browser.post(
            f"{self.base}/token", data=data, headers={"Authorization": f"Basic {auth}"}
        )


def _register(app: Flask, clock: FixedClock, realm: str, **kwargs: Any) -> tuple[str, str | None]:
    with app.app_context():
        done = register_client(
            get_realm(realm),
            kwargs.pop("name", "Espace pédagogique JASMIN"),
            redirect_uris=[REDIRECT],
            post_logout_redirect_uris=[LOGOUT_REDIRECT],
            now=clock.now(),
            **kwargs,
        )
        db.session.commit()
        return done.client.client_id, done.secret


@pytest.fixture
def rp(app: Flask, client: FlaskClient, clock: FixedClock) -> RelyingParty:
    """A confidential client of jasmin."""
    client_id, secret = _register(app, clock, "jasmin")
    return RelyingParty(client, "jasmin", client_id, secret)


@pytest.fixture
def public_rp(app: Flask, client: FlaskClient, clock: FixedClock) -> RelyingParty:
    client_id, secret = _register(app, clock, "jasmin", public=True, name="Appli mobile")
    return RelyingParty(client, "jasmin", client_id, secret)


@pytest.fixture
def register(app: Flask, clock: FixedClock) -> Any:
    def make(realm: str = "jasmin", **kwargs: Any) -> tuple[str, str | None]:
        return _register(app, clock, realm, **kwargs)

    return make


def verify_id_token(client: FlaskClient, token: str, audience: str) -> dict[str, Any]:
    """PyJWT against the published JWKS, as a relying party would."""
    keys = jwt.PyJWKSet.from_dict(client.get("/realms/jasmin/oidc/jwks").get_json())
    kid = jwt.get_unverified_header(token)["kid"]
    [key] = [k for k in keys.keys if k.key_id == kid]
    return jwt.decode(
        token,
        key,
        algorithms=["ES256", "RS256"],
        audience=audience,
        issuer=ISSUER,
        options={"verify_exp": False, "verify_iat": False},  # the test clock is fixed
    )


def submit_login(client: FlaskClient, url: str, identifier: str, password: str) -> Any:
    page = client.get(url)
    data = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "identifier": identifier,
        "password": password,
    }
    return client.post(url, data=data)


def sign_in_and_consent(rp: RelyingParty, **extra: str) -> str:
    first = rp.authorize(**extra)
    assert first.status_code == 302
    to_login = first.headers["Location"]
    assert urlsplit(to_login).path == "/realms/jasmin/login"
    next_url = parse_qs(urlsplit(to_login).query)["next"][0]
    assert next_url.startswith("/realms/jasmin/oidc/authorize?")
    page = rp.browser.get(to_login)
    assert page.mimetype == "text/html"
    # The login form ends (through redirects) at the application: CSP must allow its origin.
    assert "form-action 'self' http://127.0.0.1:8765" in page.headers["Content-Security-Policy"]
    signed = submit_login(rp.browser, to_login, "camille.martin", PASSWORD)
    assert signed.status_code == 302
    assert signed.headers["Location"] == next_url
    back = rp.browser.get(next_url)
    return rp.code_from(rp.consent(back))


@pytest.fixture
def enroll_device(app: Flask, clock: FixedClock) -> Any:
    """Enroll a protocol-level test device for camille.martin (jasmin)."""
    from idp.push.enrollment import create_offer
    from idp.users.service import find_user
    from tests.idp.device_api.device import BASE, ProtocolDevice

    def make() -> ProtocolDevice:
        with app.app_context():
            user = find_user(get_realm("jasmin"), "camille.martin")
            uri = create_offer(user, base_url=BASE, now=clock.now()).uri
            db.session.commit()
        dev = ProtocolDevice(app.test_client(), clock.now())
        assert dev.enroll(uri).status_code == 201
        return dev

    return make


def approve_pending(app: Flask, device: Any) -> None:
    """The device approves the one pending sign-in challenge with the number shown."""
    from idp.models import Challenge

    [challenge] = device.pending()
    with app.app_context():
        number = db.session.get(Challenge, challenge.challenge_id).number
    resp = device.decide(challenge, "approve", number)
    assert resp.get_json()["status"] == "approved", resp.get_json()
