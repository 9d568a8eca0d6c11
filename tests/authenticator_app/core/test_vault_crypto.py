from __future__ import annotations

import struct

import pytest

from authenticator_app.core.errors import VaultCorrupted, VaultPinWrong, VaultVersionUnsupported
from authenticator_app.core.vault_crypto import (
    FORMAT_VERSION,
    HEADER_SIZE,
    MAGIC,
    KdfParams,
    derive_key,
    new_key,
    open_sealed,
    read_header,
    seal,
)

KDF = KdfParams(log2_n=4, r=1, p=1)


def sealed(plaintext: bytes = b'{"accounts": []}', pin: str = "1234") -> bytes:
    return seal(plaintext, new_key(pin, KDF))


def test_round_trip() -> None:
    plaintext, key = open_sealed(sealed(b"hello"), "1234")
    assert plaintext == b"hello"
    assert key.kdf == KDF


def test_header_layout() -> None:
    blob = sealed()
    assert blob[:8] == MAGIC
    assert struct.unpack(">H", blob[8:10]) == (FORMAT_VERSION,)
    header = read_header(blob)
    assert header.kdf == KDF
    assert len(header.salt) == 16
    assert len(header.nonce) == 12
    assert header.raw == blob[:HEADER_SIZE]


def test_each_seal_uses_a_fresh_nonce() -> None:
    key = new_key("1234", KDF)
    assert read_header(seal(b"x", key)).nonce != read_header(seal(b"x", key)).nonce


def test_wrong_pin() -> None:
    with pytest.raises(VaultPinWrong):
        open_sealed(sealed(), "4321")


def test_cached_key_skips_derivation_only_when_salt_matches() -> None:
    key = new_key("1234", KDF)
    blob = seal(b"data", key)
    plaintext, reused = open_sealed(blob, "ignored", cached=key)
    assert plaintext == b"data"
    assert reused is key
    other = new_key("1234", KDF)
    _, derived = open_sealed(blob, "1234", cached=other)
    assert derived.salt == key.salt


@pytest.mark.parametrize("offset", [10, 11, 14, 29, 30, 41, 42, 57, 58, 73])
def test_a_flipped_header_byte_is_corruption_not_a_wrong_pin(offset: int) -> None:
    blob = bytearray(sealed())
    blob[offset] ^= 0x01
    with pytest.raises(VaultCorrupted):
        open_sealed(bytes(blob), "1234")


@pytest.mark.parametrize("from_end", [1, 8, 16, 17, 20])
def test_a_flipped_body_byte_is_corruption(from_end: int) -> None:
    blob = bytearray(sealed())
    blob[-from_end] ^= 0x80
    with pytest.raises(VaultCorrupted, match="authenticate"):
        open_sealed(bytes(blob), "1234")


@pytest.mark.parametrize("length", [0, 5, 9, HEADER_SIZE - 1, HEADER_SIZE + 15])
def test_truncated(length: int) -> None:
    with pytest.raises(VaultCorrupted):
        open_sealed(sealed()[:length], "1234")


def test_truncated_body() -> None:
    blob = sealed(b"x" * 100)
    with pytest.raises(VaultCorrupted):
        open_sealed(blob[:-10], "1234")


def test_not_a_vault() -> None:
    with pytest.raises(VaultCorrupted, match="magic"):
        open_sealed(b"PK\x03\x04" + b"\x00" * 100, "1234")


def test_newer_format_version() -> None:
    blob = bytearray(sealed())
    blob[8:10] = struct.pack(">H", FORMAT_VERSION + 1)
    with pytest.raises(VaultVersionUnsupported):
        open_sealed(bytes(blob), "1234")


def test_version_zero_is_corruption() -> None:
    blob = bytearray(sealed())
    blob[8:10] = b"\x00\x00"
    with pytest.raises(VaultCorrupted):
        read_header(bytes(blob))


@pytest.mark.parametrize(
    ("log2_n", "r", "p"), [(0, 1, 1), (21, 1, 1), (4, 0, 1), (4, 17, 1), (4, 1, 5)]
)
def test_kdf_bounds(log2_n: int, r: int, p: int) -> None:
    with pytest.raises(ValueError, match="out of bounds"):
        KdfParams(log2_n=log2_n, r=r, p=p)


def test_default_cost_is_the_documented_one() -> None:
    assert KdfParams() == KdfParams(log2_n=15, r=8, p=1)


def test_derived_key_repr_hides_the_key() -> None:
    key = derive_key("1234", KDF, b"s" * 16)
    assert key.key.hex() not in repr(key)
    assert "1234" not in repr(key)
