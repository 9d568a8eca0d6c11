"""EnrollmentOffer, EnrollmentRequest and EnrollmentReceipt as models (URI: its own tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError

from shared.errors import MessageMalformed
from shared.keys import Jwks, public_jwk
from shared.messages import EnrollmentOffer, EnrollmentReceipt, EnrollmentRequest, TotpParameters

Wire = Any
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def receipt_members(realm_jwks: Jwks, wire: Wire) -> dict[str, Any]:
    return {
        "device_id": wire.device_id,
        "realm": wire.realm,
        "issuer": "Jasmin",
        "account": "alice.martin@jasmin.example",
        "api_url": f"{wire.realm_url}/api/device/v1",
        "jwks": realm_jwks.as_dict(),
        "profile_url": f"{wire.realm_url}/profile",
        "change_password_url": f"{wire.realm_url}/password/change?login=alice.martin",
        "matching_mode": "typed",
        "totp": {"secret": TOTP_SECRET, "digits": 6, "period": 30, "algorithm": "SHA1"},
        "v": 1,
    }


def test_offer_realm_url_and_expiry(wire: Wire, t: int) -> None:
    offer = EnrollmentOffer(
        url=wire.base_url + "/",
        realm=wire.realm,
        issuer="Jasmin",
        account="alice",
        code="K7QX-M2PA-9RTD",
        exp=t + 300,
    )
    assert offer.url == wire.base_url  # trailing slash dropped
    assert offer.realm_url == wire.realm_url
    assert offer.enrollment_url == wire.realm_url + "/api/device/v1/enroll"
    assert offer.expires_at.timestamp() == t + 300


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", "ftp://idp.example.test"),
        ("url", "https://idp.example.test/?next=x"),
        ("url", "https://user:pw@idp.example.test"),
        ("url", "https:///nohost"),
        ("realm", "Jasmin"),
        ("realm", "-jasmin"),
        ("issuer", "Jas:min"),
        ("account", "alice:admin"),
        ("account", ""),
        ("code", "abc"),
        ("code", "has space"),
    ],
)
def test_offer_refuses_bad_members(wire: Wire, t: int, field: str, value: str) -> None:
    members = {
        "url": wire.base_url,
        "realm": wire.realm,
        "issuer": "Jasmin",
        "account": "alice",
        "code": "K7QX-M2PA-9RTD",
        "exp": t + 300,
    }
    with pytest.raises(ValidationError):
        EnrollmentOffer(**{**members, field: value})


def test_request_carries_a_public_p256_jwk(
    make_enrollment_request: Callable[..., EnrollmentRequest],
    device_key: ec.EllipticCurvePrivateKey,
) -> None:
    assert make_enrollment_request().public_jwk == public_jwk(device_key)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda jwk: {**jwk, "d": jwk["x"]},
        lambda jwk: {**jwk, "crv": "P-384"},
        lambda jwk: {k: v for k, v in jwk.items() if k != "y"},
        lambda jwk: {**jwk, "x": jwk["y"]},
        lambda jwk: {**jwk, "kty": 1},
    ],
    ids=["private", "other curve", "no y", "off the curve", "non-string member"],
)
def test_request_refuses_bad_jwks(
    make_enrollment_request: Callable[..., EnrollmentRequest],
    device_key: ec.EllipticCurvePrivateKey,
    mutate: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    with pytest.raises(ValidationError, match="public_jwk"):
        make_enrollment_request(public_jwk=mutate(public_jwk(device_key)))


def test_request_lifetime_is_at_most_five_minutes(
    make_enrollment_request: Callable[..., EnrollmentRequest], t: int
) -> None:
    with pytest.raises(ValidationError):
        make_enrollment_request(exp=t + 301)


def test_request_device_name_is_plain_text(
    make_enrollment_request: Callable[..., EnrollmentRequest],
) -> None:
    with pytest.raises(ValidationError):
        make_enrollment_request(device_name="Pixel\u202e8")


def test_receipt_parses_from_json(receipt_members: dict[str, Any], realm_jwks: Jwks) -> None:
    receipt = EnrollmentReceipt.from_json(receipt_members)
    assert receipt.jwks == realm_jwks
    assert receipt.totp == TotpParameters(secret=TOTP_SECRET)
    assert EnrollmentReceipt.from_json(receipt.to_json()) == receipt


def test_receipt_without_totp(receipt_members: dict[str, Any]) -> None:
    del receipt_members["totp"]
    receipt = EnrollmentReceipt.from_json(receipt_members)
    assert receipt.totp is None
    assert "totp" not in receipt.to_json_dict()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("matching_mode",), "emoji"),
        (("jwks", "keys"), []),
        (("jwks", "keys"), [{"kty": "EC"}]),
        (("totp", "secret"), "too-short"),
        (("totp", "secret"), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPA"),  # 33 chars: not base32
        (("totp", "digits"), 7),
        (("totp", "period"), 5),
        (("totp", "algorithm"), "MD5"),
        (("api_url",), "javascript:alert(1)"),
    ],
)
def test_receipt_refuses_bad_members(
    receipt_members: dict[str, Any], path: tuple[str, ...], value: Any
) -> None:
    target = receipt_members
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(MessageMalformed):
        EnrollmentReceipt.from_json(receipt_members)
