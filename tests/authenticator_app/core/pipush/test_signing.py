"""privacyIDEA's signature formats, and the RFC 8785 input of ``capabilities_signature``."""

from __future__ import annotations

import base64
from functools import cache

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from authenticator_app.core.pipush import signing


@cache
def key() -> rsa.RSAPrivateKey:
    return signing.new_device_key(2048)


def test_capabilities_input_is_rfc8785() -> None:
    # the exact bytes privacyIDEA 3.14 signs for its one capability
    assert (
        signing.capabilities_input({"decline_reason": True}, "NONCE234")
        == b'{"capabilities":{"decline_reason":true},"nonce":"NONCE234"}'
    )
    # keys sorted by UTF-16 code units, no whitespace, ES6 numbers, minimal escapes (RFC 8785)
    assert (
        signing.capabilities_input({"b": [1.0, 1e21, 0.5], "a": "é\n", "\u20ac": None}, "N")
        == '{"capabilities":{"a":"é\\n","b":[1,1e+21,0.5],"€":null},"nonce":"N"}'.encode()
    )
    # the order the server happened to use does not matter
    assert signing.capabilities_input({"y": 1, "x": 2}, "N") == signing.capabilities_input(
        {"x": 2, "y": 1}, "N"
    )


def test_signed_texts() -> None:
    data = {
        "nonce": "N",
        "url": "https://pi/ttype/push",
        "serial": "PIPU1",
        "question": "Q?",
        "title": "T",
        "sslverify": "1",
    }
    assert signing.challenge_text(data) == "N|https://pi/ttype/push|PIPU1|Q?|T|1"
    presence = {**data, "require_presence": "07,42,99"}
    assert signing.challenge_text(presence) == "N|https://pi/ttype/push|PIPU1|Q?|T|1|07,42,99"
    assert signing.poll_text("PIPU1", "2026-12-04T07:00:00+00:00") == (
        "PIPU1|2026-12-04T07:00:00+00:00"
    )
    assert signing.answer_text("N", "PIPU1") == "N|PIPU1"
    assert signing.answer_text("N", "PIPU1", "42") == "N|PIPU1|42"
    assert signing.decline_text("N", "PIPU1") == "N|PIPU1|decline"
    assert (
        signing.decline_text("N", "PIPU1", "unknown_trigger") == "N|PIPU1|decline|unknown_trigger"
    )


def test_sign_and_verify() -> None:
    signature = signing.sign(key(), "N|PIPU1")
    base64.b32decode(signature)  # RFC 4648 base32 with padding
    public = key().public_key()
    assert signing.verify(public, signature, "N|PIPU1")
    assert not signing.verify(public, signature, "N|PIPU2")
    assert not signing.verify(public, signature.lower() + "x", "N|PIPU1")
    assert not signing.verify(public, None, "N|PIPU1")
    assert not signing.verify(public, "", "N|PIPU1")
    assert not signing.verify(public, "A" * 5000, "N|PIPU1")
    other = signing.new_device_key(2048).public_key()
    assert not signing.verify(other, signature, "N|PIPU1")


def test_server_key_formats() -> None:
    public = key().public_key()
    pkcs1 = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    loaded = signing.load_server_key(base64.b64encode(pkcs1).decode())
    assert loaded.public_numbers() == public.public_numbers()
    spki = signing.device_public_key_b64(key())
    assert signing.load_server_key(spki).public_numbers() == public.public_numbers()
    pem = signing.public_key_pem(loaded)
    assert signing.load_public_key_pem(pem).public_numbers() == public.public_numbers()
    with pytest.raises(ValueError, match="RSA"):
        signing.load_server_key(base64.b64encode(b"not a key").decode())
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()  # noqa: S505
    der = small.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    with pytest.raises(ValueError, match="2048"):
        signing.load_server_key(base64.b64encode(der).decode())


def test_private_key_round_trip() -> None:
    pem = signing.private_key_pem(key())
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert signing.load_private_key(pem).private_numbers() == key().private_numbers()
