"""sign / verify: round trips, and every forged, tampered, stale or malformed token refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.base64url import b64url_decode, b64url_encode
from shared.errors import (
    AlgorithmNotAllowed,
    AudienceInvalid,
    IssuerInvalid,
    KeyInvalid,
    MessageExpired,
    MessageMalformed,
    MessageNotYetValid,
    MessageTooLarge,
    MessageTypeInvalid,
    ProtocolError,
    SignatureInvalid,
    UnknownKey,
    UnsupportedVersion,
)
from shared.jws import MAX_TOKEN_BYTES, peek_header, sign, unverified_claims, verify
from shared.keys import Jwks, public_jwk
from shared.messages import PushChallenge, PushDecision
from shared.version import PROTOCOL_VERSION

Key = ec.EllipticCurvePrivateKey
Wire = Any  # the conftest's Wire dataclass


@pytest.fixture
def token(make_challenge: Callable[..., PushChallenge], realm_key: Key, wire: Wire) -> str:
    return sign(make_challenge(), realm_key, wire.realm_kid)


@pytest.fixture
def check(realm_jwks: Jwks, wire: Wire, now: datetime) -> Callable[..., PushChallenge]:
    """verify() as the device does for a challenge; keyword arguments override."""

    def run(token: str, **overrides: Any) -> PushChallenge:
        arguments: dict[str, Any] = {
            "keys": realm_jwks,
            "model": PushChallenge,
            "audience": wire.device_id,
            "issuer": wire.realm_url,
            "now": now,
        }
        arguments.update(overrides)
        return verify(token, **arguments)

    return run


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    return (
        json.loads(b64url_decode(header)),
        json.loads(b64url_decode(payload)),
        signature,
    )


def _encode(value: Any) -> str:
    return b64url_encode(json.dumps(value).encode())


# --- round trips -------------------------------------------------------------------------------


def test_challenge_round_trip(
    token: str, check: Callable[..., PushChallenge], make_challenge: Callable[..., PushChallenge]
) -> None:
    assert check(token) == make_challenge()


def test_header_is_es256_with_kid_and_media_type(token: str, wire: Wire) -> None:
    assert peek_header(token) == {
        "alg": "ES256",
        "kid": wire.realm_kid,
        "typ": "push-challenge+jwt",
    }


def test_payload_carries_typ_and_version(token: str) -> None:
    claims = unverified_claims(token)
    assert claims["typ"] == "push_challenge"
    assert claims["v"] == PROTOCOL_VERSION


def test_decision_round_trip_with_a_single_key(
    make_decision: Callable[..., PushDecision], device_key: Key, wire: Wire, now: datetime
) -> None:
    decision = make_decision()
    token = sign(decision, device_key, wire.device_id)
    verified = verify(
        token,
        keys=device_key.public_key(),
        model=PushDecision,
        audience=wire.realm_url,
        issuer=wire.device_id,
        now=now,
    )
    assert verified == decision


def test_key_mapping_selects_by_kid(
    make_decision: Callable[..., PushDecision],
    device_key: Key,
    other_key: Key,
    wire: Wire,
    now: datetime,
) -> None:
    token = sign(make_decision(), device_key, wire.device_id)
    keys = {"someone-else": other_key.public_key(), wire.device_id: device_key.public_key()}
    verified = verify(
        token, keys=keys, model=PushDecision, audience=wire.realm_url, issuer=None, now=now
    )
    assert verified.challenge_id == wire.challenge_id


def test_media_type_may_carry_the_application_prefix_and_any_case(
    forge: Callable[..., str], token: str, realm_key: Key, check: Callable[..., PushChallenge]
) -> None:
    header, claims, _ = _parts(token)
    for typ in ("application/push-challenge+jwt", "Push-Challenge+JWT"):
        assert check(forge({**header, "typ": typ}, claims, realm_key)).typ == "push_challenge"


def test_sign_refuses_other_curves_and_odd_kids(
    make_challenge: Callable[..., PushChallenge], realm_key: Key
) -> None:
    with pytest.raises(KeyInvalid):
        sign(make_challenge(), ec.generate_private_key(ec.SECP384R1()), "k")
    with pytest.raises(KeyInvalid):
        sign(make_challenge(), realm_key, "has space")


# --- tampering and keys ------------------------------------------------------------------------


def test_tampered_payload(token: str, check: Callable[..., PushChallenge]) -> None:
    header, claims, signature = token.split(".")
    changed = json.loads(b64url_decode(claims))
    changed["matching"] = {"mode": "none"}
    with pytest.raises(SignatureInvalid):
        check(f"{header}.{_encode(changed)}.{signature}")


def test_tampered_header(token: str, check: Callable[..., PushChallenge]) -> None:
    header, claims, signature = token.split(".")
    changed = {**json.loads(b64url_decode(header)), "x-note": "added"}
    with pytest.raises(SignatureInvalid):
        check(f"{_encode(changed)}.{claims}.{signature}")


@pytest.mark.parametrize("position", [0, 31, 63])
def test_tampered_signature(token: str, check: Callable[..., PushChallenge], position: int) -> None:
    header, claims, signature = token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[position] ^= 0x01
    with pytest.raises(SignatureInvalid):
        check(f"{header}.{claims}.{b64url_encode(bytes(raw))}")


@pytest.mark.parametrize("signature", [b"", b"\x00" * 63, b"\x00" * 64, b"\x01" * 72])
def test_signature_of_the_wrong_shape(
    token: str, check: Callable[..., PushChallenge], signature: bytes
) -> None:
    header, claims, _ = token.split(".")
    with pytest.raises(SignatureInvalid):
        check(f"{header}.{claims}.{b64url_encode(signature)}")


def test_wrong_key_same_kid(
    make_challenge: Callable[..., PushChallenge],
    other_key: Key,
    wire: Wire,
    check: Callable[..., PushChallenge],
) -> None:
    with pytest.raises(SignatureInvalid):
        check(sign(make_challenge(), other_key, wire.realm_kid))


def test_unknown_kid(
    make_challenge: Callable[..., PushChallenge],
    realm_key: Key,
    check: Callable[..., PushChallenge],
) -> None:
    with pytest.raises(UnknownKey):
        check(sign(make_challenge(), realm_key, "retired-long-ago"))
    with pytest.raises(UnknownKey):
        check(sign(make_challenge(), realm_key, "retired-long-ago"), keys={})


def test_missing_kid(
    forge: Callable[..., str], token: str, realm_key: Key, check: Callable[..., PushChallenge]
) -> None:
    header, claims, _ = _parts(token)
    del header["kid"]
    with pytest.raises(UnknownKey):
        check(forge(header, claims, realm_key), keys=realm_key.public_key())


# --- algorithms --------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "", None, "ES384", "ES512", "EdDSA"])
def test_alg_other_than_es256(
    forge: Callable[..., str], token: str, check: Callable[..., PushChallenge], alg: str | None
) -> None:
    header, claims, _ = _parts(token)
    header["alg"] = alg
    with pytest.raises(AlgorithmNotAllowed):
        check(forge(header, claims))


def test_missing_alg(
    forge: Callable[..., str], token: str, check: Callable[..., PushChallenge]
) -> None:
    header, claims, _ = _parts(token)
    del header["alg"]
    with pytest.raises(AlgorithmNotAllowed):
        check(forge(header, claims))


def test_hs256_forged_with_the_public_key_as_secret(
    token: str, realm_key: Key, check: Callable[..., PushChallenge]
) -> None:
    """The classic key-confusion attack: HMAC "signed" with the published public key."""
    header, claims, _ = _parts(token)
    header["alg"] = "HS256"
    signing_input = f"{_encode(header)}.{_encode(claims)}"
    for secret in (
        realm_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        json.dumps(public_jwk(realm_key)).encode(),
    ):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        with pytest.raises(AlgorithmNotAllowed):
            check(f"{signing_input}.{b64url_encode(mac)}")


def test_the_signature_check_behind_verify_knows_only_es256(token: str, realm_key: Key) -> None:
    """Defence in depth: even past our alg check, the signature is checked as ECDSA P-256: an
    HS256 MAC keyed with the public key (the classic confusion) does not verify."""
    from shared import jws as jws_module
    from shared.compact import split_compact

    header, claims, _ = _parts(token)
    header["alg"] = "HS256"
    secret = realm_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_encode(header)}.{_encode(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    forged = split_compact(f"{signing_input}.{b64url_encode(mac)}")
    with pytest.raises(SignatureInvalid):
        jws_module._check_signature(forged, realm_key.public_key())


def test_rs256(token: str, check: Callable[..., PushChallenge]) -> None:
    header, claims, _ = _parts(token)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, rsa_key, algorithm="RS256", headers={"kid": header["kid"]})
    with pytest.raises(AlgorithmNotAllowed):
        check(forged)


# --- time --------------------------------------------------------------------------------------


def test_expired(
    make_challenge: Callable[..., PushChallenge],
    realm_key: Key,
    wire: Wire,
    check: Callable[..., PushChallenge],
    now: datetime,
) -> None:
    token = sign(make_challenge(), realm_key, wire.realm_kid)
    exp = make_challenge().expires_at
    assert check(token, now=exp + timedelta(seconds=4))
    with pytest.raises(MessageExpired):
        check(token, now=exp + timedelta(seconds=5))
    with pytest.raises(MessageExpired):
        check(token, now=exp, leeway=timedelta(0))
    assert check(token, now=now)


def test_not_yet_valid(
    make_challenge: Callable[..., PushChallenge],
    realm_key: Key,
    wire: Wire,
    check: Callable[..., PushChallenge],
    t: int,
) -> None:
    early = sign(make_challenge(iat=t + 5, exp=t + 65), realm_key, wire.realm_kid)
    assert check(early)
    too_early = sign(make_challenge(iat=t + 6, exp=t + 66), realm_key, wire.realm_kid)
    with pytest.raises(MessageNotYetValid):
        check(too_early)
    assert check(too_early, leeway=timedelta(seconds=10))


def test_nbf_is_checked_when_the_model_has_it(now: datetime) -> None:
    from shared.timing import check_validity_window, unix_time

    t = unix_time(now)
    with pytest.raises(MessageNotYetValid, match="not valid before"):
        check_validity_window(iat=t, exp=t + 60, nbf=t + 30, now=now)
    check_validity_window(iat=t, exp=t + 60, nbf=t + 3, now=now)


def test_naive_clock_or_negative_leeway_is_a_programming_error(
    token: str, check: Callable[..., PushChallenge], now: datetime
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check(token, now=now.replace(tzinfo=None))
    with pytest.raises(ValueError, match="leeway"):
        check(token, leeway=timedelta(seconds=-1))


# --- size and syntax ---------------------------------------------------------------------------


def test_oversized_token_is_refused_before_parsing(
    token: str, check: Callable[..., PushChallenge]
) -> None:
    with pytest.raises(MessageTooLarge):
        check("a" * (MAX_TOKEN_BYTES + 1))
    header, claims, signature = token.split(".")
    padded = f"{header}.{claims}{'A' * (MAX_TOKEN_BYTES - len(token) + 4)}.{signature}"
    with pytest.raises(MessageTooLarge):
        check(padded)


MALFORMED = {
    "empty": "",
    "one part": "abc",
    "two parts": "abc.def",
    "four parts": "a.b.c.d",
    "empty header": ".e30.",
    "bad base64": "!!!.e30.AAAA",
    "padding": "eyJhbGciOiJFUzI1NiJ9=.e30.AAAA",
    "impossible length": "eyJhbGciOiJFUzI1NiJ9A.e30.AAAA",
    "non-canonical bits": "e31.e30.AAAA",
    "header not json": f"{b64url_encode(b'not json')}.e30.AAAA",
    "header json array": f"{_encode(['ES256'])}.e30.AAAA",
    "header json null": f"{_encode(None)}.e30.AAAA",
    "header not utf-8": f"{b64url_encode(bytes([0xFF, 0xFE]))}.e30.AAAA",
    "duplicate header member": b64url_encode(b'{"alg":"none","alg":"ES256"}') + ".e30.AAAA",
    "NaN in header": b64url_encode(b'{"alg":NaN}') + ".e30.AAAA",
    "non-ascii": "éé.e30.AAAA",
    "whitespace": " eyJhbGciOiJFUzI1NiJ9.e30.AAAA",
    "deep nesting": f"{b64url_encode(b'[' * 5000)}.e30.AAAA",
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_tokens(text: str, check: Callable[..., PushChallenge]) -> None:
    with pytest.raises(MessageMalformed):
        check(text)


@pytest.mark.parametrize("value", [None, b"a.b.c", 42, ["a", "b", "c"]])
def test_non_text_token(value: Any, check: Callable[..., PushChallenge]) -> None:
    with pytest.raises(MessageMalformed):
        check(value)


def test_crit_header_is_refused(
    forge: Callable[..., str], token: str, realm_key: Key, check: Callable[..., PushChallenge]
) -> None:
    header, claims, _ = _parts(token)
    with pytest.raises(MessageMalformed, match="crit"):
        check(forge({**header, "crit": ["exp"], "exp": 1}, claims, realm_key))


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[1,2,3]", b'"text"', b"null", b'{"a":1,"a":2}', b"\xff"],
    ids=["not json", "json array", "json string", "json null", "duplicate member", "not utf-8"],
)
def test_signed_payload_that_is_not_a_json_object(
    forge: Callable[..., str],
    token: str,
    realm_key: Key,
    check: Callable[..., PushChallenge],
    payload: bytes,
) -> None:
    header, _, _ = _parts(token)
    with pytest.raises(MessageMalformed):
        check(forge(header, payload, realm_key))


def test_schema_errors_name_the_fields(
    forge: Callable[..., str], token: str, realm_key: Key, check: Callable[..., PushChallenge]
) -> None:
    header, claims, _ = _parts(token)
    claims["nonce"] = "short"
    claims["iat"] = "1790000000"
    claims["surprise"] = True
    with pytest.raises(MessageMalformed) as caught:
        check(forge(header, claims, realm_key))
    detail = caught.value.detail
    for field in ("nonce", "iat", "surprise"):
        assert field in detail


# --- type, version, audience, issuer -----------------------------------------------------------


def test_wrong_typ_header(
    make_decision: Callable[..., PushDecision],
    realm_key: Key,
    wire: Wire,
    check: Callable[..., PushChallenge],
) -> None:
    with pytest.raises(MessageTypeInvalid, match="header"):
        check(sign(make_decision(), realm_key, wire.realm_kid))


@pytest.mark.parametrize("typ", [None, "JWT", "push-decision+jwt", 7])
def test_typ_header_absent_or_other(
    forge: Callable[..., str],
    token: str,
    realm_key: Key,
    check: Callable[..., PushChallenge],
    typ: Any,
) -> None:
    header, claims, _ = _parts(token)
    header["typ"] = typ
    if typ is None:
        del header["typ"]
    with pytest.raises(MessageTypeInvalid):
        check(forge(header, claims, realm_key))


@pytest.mark.parametrize("typ", ["push_decision", None])
def test_typ_claim_other_or_absent(
    forge: Callable[..., str],
    token: str,
    realm_key: Key,
    check: Callable[..., PushChallenge],
    typ: str | None,
) -> None:
    header, claims, _ = _parts(token)
    claims["typ"] = typ
    if typ is None:
        del claims["typ"]
    with pytest.raises(MessageTypeInvalid, match="claim"):
        check(forge(header, claims, realm_key))


def test_newer_version_is_unsupported_even_with_another_shape(
    forge: Callable[..., str], token: str, realm_key: Key, check: Callable[..., PushChallenge]
) -> None:
    header, claims, _ = _parts(token)
    claims["v"] = PROTOCOL_VERSION + 1
    claims["matching"] = {"mode": "emoji", "glyphs": ["🐱", "🐶", "🦊"]}
    with pytest.raises(UnsupportedVersion):
        check(forge(header, claims, realm_key))


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, True, None])
def test_bad_or_missing_version_is_malformed(
    forge: Callable[..., str],
    token: str,
    realm_key: Key,
    check: Callable[..., PushChallenge],
    version: Any,
) -> None:
    header, claims, _ = _parts(token)
    claims["v"] = version
    if version is None:
        del claims["v"]
    with pytest.raises(MessageMalformed):
        check(forge(header, claims, realm_key))


def test_wrong_audience(token: str, check: Callable[..., PushChallenge]) -> None:
    with pytest.raises(AudienceInvalid):
        check(token, audience="dev_someone_else")


def test_wrong_issuer(token: str, check: Callable[..., PushChallenge], wire: Wire) -> None:
    with pytest.raises(IssuerInvalid):
        check(token, issuer="https://evil.example/realms/jasmin")
    assert check(token, issuer=None).iss == wire.realm_url


def test_issuer_expected_but_model_has_none(
    make_enrollment_request: Callable[..., Any], device_key: Key, wire: Wire, now: datetime
) -> None:
    from shared.messages import EnrollmentRequest

    token = sign(make_enrollment_request(), device_key, "device-thumbprint")
    with pytest.raises(IssuerInvalid):
        verify(
            token,
            keys=device_key.public_key(),
            model=EnrollmentRequest,
            audience=wire.realm_url,
            issuer="anyone",
            now=now,
        )


# --- debugging helpers -------------------------------------------------------------------------


def test_peek_and_unverified_claims_work_on_tokens_verify_refuses(
    forge: Callable[..., str], token: str
) -> None:
    header, claims, _ = _parts(token)
    unsigned = forge({**header, "alg": "none"}, {**claims, "exp": 1})
    assert peek_header(unsigned)["alg"] == "none"
    assert unverified_claims(unsigned)["exp"] == 1
    with pytest.raises(MessageMalformed):
        unverified_claims(forge(header, b"[]"))


# --- properties --------------------------------------------------------------------------------

# The fixtures used below are pure (keys, a fixed clock, factories), so sharing them between
# generated inputs is safe.
PURE_FIXTURES = [HealthCheck.function_scoped_fixture]

b64url_text = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=80
)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_objects = st.dictionaries(
    st.sampled_from(["alg", "kid", "typ", "crit", "v", "iat", "exp", "aud"]) | st.text(max_size=4),
    json_scalars | st.lists(json_scalars, max_size=3),
    max_size=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=PURE_FIXTURES)
@given(text=st.text(max_size=200) | st.from_regex(r"[A-Za-z0-9_.=-]{0,120}", fullmatch=True))
def test_verify_raises_only_protocol_errors_on_any_text(
    text: str, check: Callable[..., PushChallenge]
) -> None:
    with pytest.raises(ProtocolError):
        check(text)


@settings(max_examples=200, deadline=None, suppress_health_check=PURE_FIXTURES)
@given(header=json_objects, payload=json_objects | json_scalars, signature=b64url_text)
def test_verify_raises_only_protocol_errors_on_structured_garbage(
    header: dict[str, Any], payload: Any, signature: str, check: Callable[..., PushChallenge]
) -> None:
    text = f"{_encode(header)}.{_encode(payload)}.{signature}"
    with pytest.raises(ProtocolError):
        check(text)


@settings(max_examples=100, deadline=None, suppress_health_check=PURE_FIXTURES)
@given(payload=json_objects)
def test_verify_raises_only_protocol_errors_on_signed_garbage(
    payload: dict[str, Any],
    forge: Callable[..., str],
    realm_key: Key,
    wire: Wire,
    check: Callable[..., PushChallenge],
) -> None:
    header = {"alg": "ES256", "kid": wire.realm_kid, "typ": "push-challenge+jwt"}
    with pytest.raises(ProtocolError):
        check(forge(header, {**payload, "typ": "push_challenge"}, realm_key))
