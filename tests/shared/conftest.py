"""Fixtures for the protocol tests: fixed clock, keys, and factories of valid messages.

Factories take keyword overrides so each test states only what it changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from shared import realm_url
from shared.base64url import b64url_encode
from shared.keys import Jwks, generate_private_key, public_jwk
from shared.messages import (
    ChallengeContext,
    DeviceAuthToken,
    EnrollmentRequest,
    Matching,
    PushChallenge,
    PushDecision,
)
from shared.timing import unix_time


@dataclass(frozen=True)
class Wire:
    """The names every test agrees on."""

    base_url: str = "https://idp.example.test"
    realm: str = "jasmin"
    device_id: str = "dev_4f9a2c1e7b"
    realm_kid: str = "jasmin-2026-a"
    challenge_id: str = "chl_8c1d44e0a9"
    nonce: str = "q2hQ0m5ZbJ8sV1r7Xy3kLw"

    @property
    def realm_url(self) -> str:
        return realm_url(self.base_url, self.realm)


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
def now(fixed_now: datetime) -> datetime:
    return fixed_now


@pytest.fixture
def t(now: datetime) -> int:
    """``now`` in Unix seconds."""
    return unix_time(now)


@pytest.fixture(scope="session")
def realm_key() -> ec.EllipticCurvePrivateKey:
    return generate_private_key()


@pytest.fixture(scope="session")
def device_key() -> ec.EllipticCurvePrivateKey:
    return generate_private_key()


@pytest.fixture(scope="session")
def other_key() -> ec.EllipticCurvePrivateKey:
    return generate_private_key()


@pytest.fixture
def realm_jwks(realm_key: ec.EllipticCurvePrivateKey, wire: Wire) -> Jwks:
    return Jwks.from_keys({wire.realm_kid: realm_key})


@pytest.fixture
def make_challenge(wire: Wire, t: int) -> Callable[..., PushChallenge]:
    def make(**overrides: Any) -> PushChallenge:
        fields: dict[str, Any] = {
            "challenge_id": wire.challenge_id,
            "device_id": wire.device_id,
            "realm": wire.realm,
            "user": "alice.martin",
            "account": "alice.martin@jasmin.example",
            "purpose": "password_reset",
            "context": ChallengeContext(
                service="Jasmin - mot de passe oublié",
                client_ip="203.0.113.42",
                location="Lyon, France",
                browser="Firefox 140 sur Linux",
                time=t,
            ),
            "matching": Matching(mode="typed"),
            "nonce": wire.nonce,
            "iss": wire.realm_url,
            "aud": wire.device_id,
            "iat": t,
            "exp": t + 60,
        }
        fields.update(overrides)
        return PushChallenge(**fields)

    return make


@pytest.fixture
def make_decision(wire: Wire, t: int) -> Callable[..., PushDecision]:
    def make(**overrides: Any) -> PushDecision:
        fields: dict[str, Any] = {
            "challenge_id": wire.challenge_id,
            "decision": "approve",
            "number": 42,
            "nonce": wire.nonce,
            "iss": wire.device_id,
            "aud": wire.realm_url,
            "iat": t,
            "exp": t + 60,
            "jti": "jti-0123456789abcdef",
        }
        fields.update(overrides)
        return PushDecision(**fields)

    return make


@pytest.fixture
def make_device_auth(wire: Wire, t: int) -> Callable[..., DeviceAuthToken]:
    def make(**overrides: Any) -> DeviceAuthToken:
        fields: dict[str, Any] = {
            "iss": wire.device_id,
            "sub": wire.device_id,
            "aud": wire.realm_url,
            "iat": t,
            "exp": t + 60,
            "jti": "jti-fedcba9876543210",
            "htm": "GET",
            "htu": "/realms/jasmin/api/device/v1/pending",
        }
        fields.update(overrides)
        return DeviceAuthToken(**fields)

    return make


@pytest.fixture
def make_enrollment_request(
    wire: Wire, t: int, device_key: ec.EllipticCurvePrivateKey
) -> Callable[..., EnrollmentRequest]:
    def make(**overrides: Any) -> EnrollmentRequest:
        fields: dict[str, Any] = {
            "code": "K7QX-M2PA-9RTD",
            "device_name": "Pixel 8 d'Alice",
            "platform": "android",
            "app_version": "0.1.0",
            "public_jwk": public_jwk(device_key),
            "iat": t,
            "exp": t + 120,
            "jti": "jti-enroll-00000001",
            "aud": wire.realm_url,
        }
        fields.update(overrides)
        return EnrollmentRequest(**fields)

    return make


def _segment(value: dict[str, Any] | list[Any] | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return b64url_encode(raw)


@pytest.fixture
def forge() -> Callable[..., str]:
    """Build a compact JWS by hand (any header, any payload), ES256-signed with ``key``.

    Without ``key`` the signature segment is ``signature`` (default empty), for unsigned forgeries.
    """

    def make(
        header: dict[str, Any] | list[Any] | bytes,
        payload: dict[str, Any] | list[Any] | bytes,
        key: ec.EllipticCurvePrivateKey | None = None,
        signature: bytes = b"",
    ) -> str:
        signing_input = f"{_segment(header)}.{_segment(payload)}"
        if key is not None:
            der = key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
            r, s = decode_dss_signature(der)
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{signing_input}.{b64url_encode(signature)}"

    return make
