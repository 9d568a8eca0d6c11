"""ES256 keys, strict JWK import, RFC 7638 thumbprints and JWK sets."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.base64url import b64url_encode
from shared.errors import KeyInvalid, UnknownKey
from shared.keys import (
    Jwks,
    generate_private_key,
    jwk_thumbprint,
    load_public_jwk,
    private_key_from_pem,
    private_key_to_pem,
    public_jwk,
    public_key_thumbprint,
)

# RFC 7638 §3.1, the example RSA key and its thumbprint.
RFC7638_JWK = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B"
        "JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_F"
        "DW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4"
        "vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
# RFC 8037 §A.3, an OKP (Ed25519) key and its RFC 7638 thumbprint.
RFC8037_JWK = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
P256_PRIME = 2**256 - 2**224 + 2**192 + 2**96 - 1


def test_generated_keys_are_p256() -> None:
    key = generate_private_key()
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(key.curve, ec.SECP256R1)


def test_public_jwk_has_exactly_the_public_members(device_key: ec.EllipticCurvePrivateKey) -> None:
    jwk = public_jwk(device_key)
    assert set(jwk) == {"kty", "crv", "x", "y"}
    assert (jwk["kty"], jwk["crv"]) == ("EC", "P-256")
    assert len(jwk["x"]) == len(jwk["y"]) == 43
    assert jwk == public_jwk(device_key.public_key())


def test_public_jwk_with_kid_is_a_jwks_entry(device_key: ec.EllipticCurvePrivateKey) -> None:
    jwk = public_jwk(device_key, kid="dev-1")
    assert {k: jwk[k] for k in ("kid", "alg", "use")} == {
        "kid": "dev-1",
        "alg": "ES256",
        "use": "sig",
    }


@pytest.mark.parametrize("kid", ["", "a b", "x" * 129, "é", "a/b"])
def test_public_jwk_refuses_odd_kids(device_key: ec.EllipticCurvePrivateKey, kid: str) -> None:
    with pytest.raises(KeyInvalid):
        public_jwk(device_key, kid=kid)


def test_public_jwk_refuses_other_curves() -> None:
    with pytest.raises(KeyInvalid, match="P-256"):
        public_jwk(ec.generate_private_key(ec.SECP384R1()))


def test_jwk_round_trip(device_key: ec.EllipticCurvePrivateKey) -> None:
    loaded = load_public_jwk(public_jwk(device_key, kid="k1"))
    assert loaded.public_numbers() == device_key.public_key().public_numbers()


def test_pem_round_trip(device_key: ec.EllipticCurvePrivateKey) -> None:
    pem = private_key_to_pem(device_key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    restored = private_key_from_pem(pem)
    assert restored.private_numbers() == device_key.private_numbers()


@pytest.mark.parametrize("data", [b"", b"not a pem", b"-----BEGIN PRIVATE KEY-----\nAAAA\n"])
def test_pem_garbage_is_key_invalid(data: bytes) -> None:
    with pytest.raises(KeyInvalid):
        private_key_from_pem(data)


def test_pem_of_another_curve_is_key_invalid() -> None:
    pem = private_key_to_pem_unchecked(ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(KeyInvalid, match="P-256"):
        private_key_from_pem(pem)


def test_encrypted_pem_is_key_invalid(device_key: ec.EllipticCurvePrivateKey) -> None:
    pem = device_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pin-1234"),
    )
    with pytest.raises(KeyInvalid):
        private_key_from_pem(pem)


def test_rsa_pem_is_key_invalid() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(KeyInvalid, match="elliptic"):
        private_key_from_pem(private_key_to_pem_unchecked(key))


def private_key_to_pem_unchecked(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _coordinate(number: int) -> str:
    return b64url_encode(number.to_bytes(32, "big"))


GOOD_JWK = public_jwk(generate_private_key())


def _bad_jwks(good: dict[str, str]) -> list[tuple[str, Any]]:
    return [
        ("private member d", {**good, "d": good["x"]}),
        ("kty RSA", {**good, "kty": "RSA"}),
        ("kty missing", {k: v for k, v in good.items() if k != "kty"}),
        ("crv P-384", {**good, "crv": "P-384"}),
        ("x missing", {k: v for k, v in good.items() if k != "x"}),
        ("y not a string", {**good, "y": 12}),
        ("x too short", {**good, "x": good["x"][:-2]}),
        ("x padded", {**good, "x": good["x"] + "="}),
        ("x standard base64", {**good, "x": good["x"].replace("_", "/").replace("-", "+") + "/"}),
        ("x not base64", {**good, "x": "!" * 43}),
        ("33-byte x", {**good, "x": b64url_encode(b"\x00" + bytes(32))}),
        ("point off the curve", {**good, "x": _coordinate(1), "y": _coordinate(1)}),
        ("x not reduced", {**good, "x": _coordinate(P256_PRIME + 1)}),
        ("alg RS256", {**good, "alg": "RS256"}),
        ("use enc", {**good, "use": "enc"}),
        ("kid not a string", {**good, "kid": 7}),
        ("not a mapping", [("kty", "EC")]),
    ]


@pytest.mark.parametrize(
    "jwk", [jwk for _, jwk in _bad_jwks(GOOD_JWK)], ids=[name for name, _ in _bad_jwks(GOOD_JWK)]
)
def test_load_public_jwk_is_strict(jwk: Any) -> None:
    with pytest.raises(KeyInvalid):
        load_public_jwk(jwk)


def test_the_good_jwk_of_the_strictness_cases_loads() -> None:
    assert isinstance(load_public_jwk(GOOD_JWK), ec.EllipticCurvePublicKey)


def test_load_public_jwk_ignores_unknown_members(device_key: ec.EllipticCurvePrivateKey) -> None:
    jwk = {**public_jwk(device_key), "x5t": "ignored", "ext": True}
    assert isinstance(load_public_jwk(jwk), ec.EllipticCurvePublicKey)


def test_rfc7638_rsa_vector() -> None:
    assert jwk_thumbprint(RFC7638_JWK) == RFC7638_THUMBPRINT


def test_rfc8037_okp_vector() -> None:
    assert jwk_thumbprint(RFC8037_JWK) == RFC8037_THUMBPRINT


def test_ec_thumbprint_follows_rfc7638_by_hand(device_key: ec.EllipticCurvePrivateKey) -> None:
    jwk = public_jwk(device_key, kid="ignored-by-the-thumbprint")
    canonical = f'{{"crv":"P-256","kty":"EC","x":"{jwk["x"]}","y":"{jwk["y"]}"}}'
    expected = b64url_encode(hashlib.sha256(canonical.encode()).digest())
    assert jwk_thumbprint(jwk) == expected
    assert public_key_thumbprint(device_key) == expected
    assert len(expected) == 43


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-256", "x": "abc"},
        {"kty": "RSA", "n": "abc", "e": 65537},
        {"kty": "XYZ"},
        {},
    ],
)
def test_thumbprint_needs_the_required_members(jwk: dict[str, object]) -> None:
    with pytest.raises(KeyInvalid):
        jwk_thumbprint(jwk)


def test_jwks_get_and_unknown_kid(
    realm_key: ec.EllipticCurvePrivateKey, other_key: ec.EllipticCurvePrivateKey
) -> None:
    jwks = Jwks.from_keys({"old": other_key, "new": realm_key})
    assert jwks.kids == ["old", "new"]
    assert jwks.get("new").public_numbers() == realm_key.public_key().public_numbers()
    with pytest.raises(UnknownKey):
        jwks.get("missing")


def test_jwks_json_round_trip(realm_key: ec.EllipticCurvePrivateKey) -> None:
    jwks = Jwks.from_keys({"k1": realm_key})
    assert Jwks.model_validate_json(jwks.model_dump_json()) == jwks
    assert jwks.as_dict() == {"keys": [public_jwk(realm_key, kid="k1")]}


def test_jwks_refuses_duplicate_kids_missing_kids_and_private_keys(
    realm_key: ec.EllipticCurvePrivateKey,
) -> None:
    jwk = public_jwk(realm_key, kid="k1")
    without_kid = public_jwk(realm_key)
    for keys in ([jwk, jwk], [without_kid], [{**jwk, "d": jwk["x"]}], [jwk] * 17):
        with pytest.raises(ValidationError):
            Jwks(keys=keys)
    with pytest.raises(ValidationError):
        Jwks.model_validate({"keys": [], "extra": 1})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
jwk_like = st.dictionaries(
    st.sampled_from(["kty", "crv", "x", "y", "d", "alg", "use", "kid", "n", "e", "k"])
    | st.text(max_size=5),
    st.sampled_from(["EC", "P-256", "RSA", "OKP", "ES256", "sig", ""])
    | st.text(alphabet="ABCDEFGHabcdefgh0123456789-_=", max_size=50)
    | json_values,
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(jwk=jwk_like)
def test_load_public_jwk_only_raises_key_invalid(jwk: dict[str, Any]) -> None:
    try:
        key = load_public_jwk(jwk)
    except KeyInvalid:
        return
    assert isinstance(key, ec.EllipticCurvePublicKey)


@settings(max_examples=200, deadline=None)
@given(jwk=jwk_like)
def test_jwk_thumbprint_only_raises_key_invalid(jwk: dict[str, Any]) -> None:
    try:
        thumbprint = jwk_thumbprint(jwk)
    except KeyInvalid:
        return
    assert len(thumbprint) == 43
