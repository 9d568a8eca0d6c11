"""verify_enrollment_request: proof of possession of the key being registered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from shared.enrollment_proof import verify_enrollment_request
from shared.errors import (
    AlgorithmNotAllowed,
    AudienceInvalid,
    KeyInvalid,
    MessageExpired,
    MessageMalformed,
    SignatureInvalid,
    UnknownKey,
)
from shared.jws import sign, unverified_claims
from shared.keys import jwk_thumbprint, public_jwk
from shared.messages import EnrollmentRequest

Key = ec.EllipticCurvePrivateKey
Wire = Any
Make = Callable[..., EnrollmentRequest]


def _signed(make: Make, key: Key, **overrides: Any) -> str:
    request = make(public_jwk=public_jwk(key), **overrides)
    return sign(request, key, jwk_thumbprint(request.public_jwk))


def test_valid_request(
    make_enrollment_request: Make, device_key: Key, wire: Wire, now: datetime
) -> None:
    token = _signed(make_enrollment_request, device_key)
    request = verify_enrollment_request(token, audience=wire.realm_url, now=now)
    assert request.public_jwk == public_jwk(device_key)
    assert request.code == "K7QX-M2PA-9RTD"


def test_kid_must_be_the_thumbprint(
    make_enrollment_request: Make, device_key: Key, wire: Wire, now: datetime
) -> None:
    token = sign(make_enrollment_request(), device_key, "my-own-choice")
    with pytest.raises(UnknownKey, match="thumbprint"):
        verify_enrollment_request(token, audience=wire.realm_url, now=now)


def test_signed_by_another_key_than_the_one_registered(
    make_enrollment_request: Make, device_key: Key, other_key: Key, wire: Wire, now: datetime
) -> None:
    """An attacker registering someone else's public key cannot sign for it."""
    request = make_enrollment_request(public_jwk=public_jwk(device_key))
    token = sign(request, other_key, jwk_thumbprint(request.public_jwk))
    with pytest.raises(SignatureInvalid):
        verify_enrollment_request(token, audience=wire.realm_url, now=now)


def test_private_jwk_is_refused(
    forge: Callable[..., str],
    make_enrollment_request: Make,
    device_key: Key,
    wire: Wire,
    now: datetime,
) -> None:
    token = _signed(make_enrollment_request, device_key)
    claims = unverified_claims(token)
    claims["public_jwk"] = {**claims["public_jwk"], "d": "AAAA"}
    header = {"alg": "ES256", "kid": jwk_thumbprint(claims["public_jwk"])}
    with pytest.raises(KeyInvalid):
        verify_enrollment_request(forge(header, claims, device_key), audience="x", now=now)


@pytest.mark.parametrize("jwk", [None, "eyJ...", ["EC"]])
def test_missing_or_odd_public_jwk(
    forge: Callable[..., str], jwk: Any, device_key: Key, now: datetime
) -> None:
    header = {"alg": "ES256", "kid": "k", "typ": "enrollment-request+jwt"}
    with pytest.raises(MessageMalformed):
        verify_enrollment_request(
            forge(header, {"public_jwk": jwk}, device_key), audience="x", now=now
        )


def test_alg_none(forge: Callable[..., str], device_key: Key, now: datetime) -> None:
    jwk = public_jwk(device_key)
    header = {"alg": "none", "kid": jwk_thumbprint(jwk), "typ": "enrollment-request+jwt"}
    with pytest.raises(AlgorithmNotAllowed):
        verify_enrollment_request(forge(header, {"public_jwk": jwk}), audience="x", now=now)


def test_audience_and_time_are_checked(
    make_enrollment_request: Make, device_key: Key, wire: Wire, now: datetime
) -> None:
    token = _signed(make_enrollment_request, device_key)
    with pytest.raises(AudienceInvalid):
        verify_enrollment_request(token, audience="https://other.example/realms/x", now=now)
    with pytest.raises(MessageExpired):
        verify_enrollment_request(token, audience=wire.realm_url, now=now + timedelta(minutes=10))
