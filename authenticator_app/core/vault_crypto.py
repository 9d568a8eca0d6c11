"""The vault's sealed envelope: scrypt over the PIN, AES-256-GCM, a small authenticated header.

File layout (format version 1; integers big-endian)::

    offset size  field
    0      8     magic  b"AUTHVLT\\0"
    8      2     format version (1)       -- magic + version are stable across all versions
    10     1     KDF id (1 = scrypt)
    11     1     log2(n)
    12     1     r
    13     1     p
    14     16    salt (random, per PIN)
    30     12    AES-GCM nonce (random, per write)
    42     16    PIN check: bytes 32..48 of the scrypt output
    58     16    header digest: SHA-256(bytes 0..58), first 16 bytes
    74     ...   AES-256-GCM ciphertext + 16-byte tag; AAD = bytes 0..74; key = scrypt[0:32]

Why each part is there:

- The header digest tells a damaged header (``vault_corrupted``) from a wrong PIN before any
  expensive derivation, and refuses absurd KDF parameters a damaged file could carry.
- The PIN check tells a wrong PIN (``vault_pin_wrong``) from a damaged body (``vault_corrupted``:
  the GCM tag fails although the PIN is right). It gives an attacker nothing the ciphertext does
  not already give (an offline guess check), and the scrypt cost applies to both.
- The whole header is the AEAD's associated data: changing the cost, salt or version of a
  sealed file breaks the tag.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from authenticator_app.core.clock import RandomBytes, system_random
from authenticator_app.core.errors import (
    VaultCorrupted,
    VaultPinWrong,
    VaultVersionUnsupported,
)

__all__ = [
    "FORMAT_VERSION",
    "HEADER_SIZE",
    "MAGIC",
    "DerivedKey",
    "KdfParams",
    "derive_key",
    "new_key",
    "open_sealed",
    "read_header",
    "seal",
]

MAGIC: Final = b"AUTHVLT\x00"
FORMAT_VERSION: Final = 1
KDF_SCRYPT: Final = 1
_PREFIX: Final = struct.Struct(">8sH")
_PARAMS: Final = struct.Struct(">BBBB16s12s16s")
_DIGEST_SIZE: Final = 16
HEADER_SIZE: Final = _PREFIX.size + _PARAMS.size + _DIGEST_SIZE
_SALT_SIZE: Final = 16
_NONCE_SIZE: Final = 12
_CHECK_SIZE: Final = 16
_TAG_SIZE: Final = 16
# Bounds a damaged or hostile header cannot exceed (2**22 * 128 * 8 = 4 GiB would be absurd).
_MAX_LOG2_N: Final = 20
_MAX_R: Final = 16
_MAX_P: Final = 4


@dataclass(frozen=True, slots=True)
class KdfParams:
    """scrypt cost. The default (n = 2**15, r = 8, p = 1: 32 MiB, ~0.1 s) suits a phone; tests
    lower ``log2_n``."""

    log2_n: int = 15
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if not (
            1 <= self.log2_n <= _MAX_LOG2_N and 1 <= self.r <= _MAX_R and 1 <= self.p <= _MAX_P
        ):
            raise ValueError("scrypt parameters out of bounds")


@dataclass(frozen=True, slots=True)
class Header:
    version: int
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    pin_check: bytes
    raw: bytes


@dataclass(frozen=True, slots=True, repr=False)
class DerivedKey:
    """The AES key and PIN check derived from one PIN, salt and cost (never printed)."""

    kdf: KdfParams
    salt: bytes
    key: bytes
    pin_check: bytes

    def __repr__(self) -> str:
        return f"DerivedKey(kdf={self.kdf!r})"


def derive_key(pin: str, kdf: KdfParams, salt: bytes) -> DerivedKey:
    """scrypt(PIN, salt) -> 32-byte AES key + 16-byte PIN check."""
    output = Scrypt(salt=salt, length=64, n=2**kdf.log2_n, r=kdf.r, p=kdf.p).derive(
        pin.encode("utf-8")
    )
    return DerivedKey(kdf=kdf, salt=salt, key=output[:32], pin_check=output[32:48])


def new_key(pin: str, kdf: KdfParams, rng: RandomBytes = system_random) -> DerivedKey:
    """A key under a fresh random salt (a new vault, or a new PIN)."""
    return derive_key(pin, kdf, rng(_SALT_SIZE))


def read_header(blob: bytes) -> Header:
    """Parse and check the header: magic, version, digest, KDF bounds."""
    if len(blob) < _PREFIX.size:
        raise VaultCorrupted("the file is too short to be a vault")
    magic, version = _PREFIX.unpack_from(blob)
    if magic != MAGIC:
        raise VaultCorrupted("not a vault file (bad magic)")
    if version > FORMAT_VERSION:
        raise VaultVersionUnsupported(f"format version {version}, this app reads {FORMAT_VERSION}")
    if version != FORMAT_VERSION:
        raise VaultCorrupted(f"unknown format version {version}")
    if len(blob) < HEADER_SIZE + _TAG_SIZE:
        raise VaultCorrupted("the file is truncated")
    digest_at = _PREFIX.size + _PARAMS.size
    expected = hashlib.sha256(blob[:digest_at]).digest()[:_DIGEST_SIZE]
    if not hmac.compare_digest(expected, blob[digest_at:HEADER_SIZE]):
        raise VaultCorrupted("the header is damaged")
    kdf_id, log2_n, r, p, salt, nonce, pin_check = _PARAMS.unpack_from(blob, _PREFIX.size)
    if kdf_id != KDF_SCRYPT:
        raise VaultCorrupted(f"unknown KDF {kdf_id}")
    try:
        kdf = KdfParams(log2_n=log2_n, r=r, p=p)
    except ValueError:
        raise VaultCorrupted("KDF parameters out of bounds") from None
    return Header(version, kdf, salt, nonce, pin_check, blob[:HEADER_SIZE])


def _header(key: DerivedKey, nonce: bytes) -> bytes:
    head = _PREFIX.pack(MAGIC, FORMAT_VERSION) + _PARAMS.pack(
        KDF_SCRYPT, key.kdf.log2_n, key.kdf.r, key.kdf.p, key.salt, nonce, key.pin_check
    )
    return head + hashlib.sha256(head).digest()[:_DIGEST_SIZE]


def seal(plaintext: bytes, key: DerivedKey, rng: RandomBytes = system_random) -> bytes:
    """The file bytes: header + AES-GCM(plaintext) under a fresh random nonce."""
    nonce = rng(_NONCE_SIZE)
    header = _header(key, nonce)
    return header + AESGCM(key.key).encrypt(nonce, plaintext, header)


def open_sealed(
    blob: bytes, pin: str, cached: DerivedKey | None = None
) -> tuple[bytes, DerivedKey]:
    """Decrypt a vault file with ``pin``; returns the plaintext and the key (to seal again).

    ``cached`` skips the derivation when its salt and cost match the file's. Raises
    :class:`VaultCorrupted`, :class:`VaultVersionUnsupported` or :class:`VaultPinWrong`.
    """
    header = read_header(blob)
    if cached is not None and cached.salt == header.salt and cached.kdf == header.kdf:
        key = cached
    else:
        key = derive_key(pin, header.kdf, header.salt)
    # Security: constant-time compare of the PIN check.
    if not hmac.compare_digest(key.pin_check, header.pin_check):
        raise VaultPinWrong()
    try:
        plaintext = AESGCM(key.key).decrypt(header.nonce, blob[HEADER_SIZE:], header.raw)
    except InvalidTag:
        raise VaultCorrupted("the content does not authenticate (damaged file)") from None
    return plaintext, key
