"""A protocol-level device for IdP tests, built from ``shared`` only (the real app is tested
end to end against ``idp serve``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from flask.testing import FlaskClient

from shared.addresses import realm_url
from shared.identifiers import new_jti
from shared.jws import sign, verify
from shared.keys import generate_private_key, jwk_thumbprint, public_jwk
from shared.messages import (
    DeviceAuthToken,
    EnrollmentOffer,
    EnrollmentReceipt,
    EnrollmentRequest,
    PushChallenge,
    PushDecision,
)
from shared.messages.device_auth import authorization_header
from shared.timing import unix_time

BASE = "http://127.0.0.1:5000"


@dataclass
class ProtocolDevice:
    client: FlaskClient | HttpClient
    now: datetime
    key: Any = field(default_factory=generate_private_key)
    receipt: EnrollmentReceipt | None = None
    base: str = BASE
    """The IdP's IDP_BASE_URL (audience of the device's tokens)."""

    @property
    def realm_url(self) -> str:
        assert self.receipt is not None
        return realm_url(self.base, self.receipt.realm)

    @property
    def api_path(self) -> str:
        assert self.receipt is not None
        return self.receipt.api_url.removeprefix(self.base)

    def enroll_request(self, offer: EnrollmentOffer, **overrides: Any) -> str:
        jwk = public_jwk(self.key)
        fields: dict[str, Any] = {
            "code": offer.code,
            "device_name": "Pixel de test",
            "platform": "headless",
            "app_version": "0.1.0",
            "public_jwk": jwk,
            "jti": new_jti(),
            "aud": realm_url(self.base, offer.realm),
            "iat": unix_time(self.now),
            "exp": unix_time(self.now + timedelta(minutes=2)),
        }
        req = EnrollmentRequest(**{**fields, **overrides})
        return sign(req, self.key, jwk_thumbprint(jwk))

    def enroll(self, uri: str) -> Any:
        offer = EnrollmentOffer.from_uri(uri, now=self.now)
        resp = self.client.post(
            f"/realms/{offer.realm}/api/device/v1/enroll",
            json={"request": self.enroll_request(offer)},
        )
        if resp.status_code == 201:
            self.receipt = EnrollmentReceipt.model_validate(resp.get_json())
        return resp

    def auth(self, method: str, path: str, **overrides: Any) -> dict[str, str]:
        assert self.receipt is not None
        fields: dict[str, Any] = {
            "iss": self.receipt.device_id,
            "sub": self.receipt.device_id,
            "aud": self.realm_url,
            "jti": new_jti(),
            "htm": method,
            "htu": path,
            "iat": unix_time(self.now),
            "exp": unix_time(self.now + timedelta(seconds=60)),
        }
        token = DeviceAuthToken(**{**fields, **overrides})
        return {
            "Authorization": authorization_header(sign(token, self.key, self.receipt.device_id))
        }

    def get(self, tail: str, query: str = "") -> Any:
        path = self.api_path + tail
        return self.client.get(path + query, headers=self.auth("GET", path))

    def pending(self) -> list[PushChallenge]:
        resp = self.get("/pending")
        assert resp.status_code == 200, resp.get_json()
        assert self.receipt is not None
        return [
            verify(
                t,
                keys=self.receipt.jwks,
                model=PushChallenge,
                audience=self.receipt.device_id,
                issuer=self.realm_url,
                now=self.now,
            )
            for t in resp.get_json()["challenges"]
        ]

    def decision_token(
        self, challenge: PushChallenge, decision: str, number: int | None, **overrides: Any
    ) -> str:
        assert self.receipt is not None
        fields: dict[str, Any] = {
            "challenge_id": challenge.challenge_id,
            "decision": decision,
            "number": number,
            "nonce": challenge.nonce,
            "iss": self.receipt.device_id,
            "aud": self.realm_url,
            "iat": unix_time(self.now),
            "exp": unix_time(self.now + timedelta(seconds=60)),
            "jti": new_jti(),
        }
        msg = PushDecision(**{**fields, **overrides})
        return sign(msg, self.key, self.receipt.device_id)

    def decide(
        self,
        challenge: PushChallenge,
        decision: str,
        number: int | None = None,
        token: str | None = None,
    ) -> Any:
        path = self.api_path + "/decisions"
        return self.client.post(
            path,
            headers=self.auth("POST", path),
            json={"decision": token or self.decision_token(challenge, decision, number)},
        )


class HttpClient:
    """A ``requests`` session with the FlaskClient calls ProtocolDevice uses (a real server)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def get(self, path: str, **kwargs: Any) -> Any:
        return _Answer(self.session.get(self.base_url + path, timeout=30, **kwargs))

    def post(self, path: str, **kwargs: Any) -> Any:
        return _Answer(self.session.post(self.base_url + path, timeout=30, **kwargs))


class _Answer:
    def __init__(self, resp: requests.Response) -> None:
        self.status_code = resp.status_code
        self.headers = resp.headers
        self._resp = resp

    def get_json(self) -> Any:
        return self._resp.json()
