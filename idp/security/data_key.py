"""Encryption at rest for secrets the IdP must read back (TOTP seeds, realm signing keys).

Security decisions:
- AES-256-GCM with a fresh 96-bit nonce per value; the column name is the associated data,
  so a ciphertext copied into another column (a TOTP seed pasted over a signing key) does
  not decrypt.
- The key is ``IDP_DATA_KEY`` when set (any string of 32+ characters, e.g.
  ``python -c 'import secrets; print(secrets.token_urlsafe(32))'``), else ``IDP_SECRET_KEY``;
  either goes through HKDF-SHA256 with its own ``info`` label, so the cookie-signing secret
  is never used directly as an encryption key.
- Stored form: ``enc1:<kid>:<base64url(nonce || ciphertext || tag)>``. ``kid`` is the first
  8 hex digits of SHA-256 over the derived key: it names the key (for rotation) and reveals
  nothing about it. Values encrypted under a key listed in ``IDP_DATA_KEY_PREVIOUS``
  (comma-separated) still decrypt; ``idp data-key rotate`` re-encrypts them under the current
  key (docs/decisions.md, "Key rotation").
- A value without the ``enc1:`` prefix is refused on read: the migration that introduced the
  encryption converted every row, so plain text in the column is tampering or a bug.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "PREFIX",
    "DataKeyError",
    "Keyring",
    "current_keyring",
    "keyring_from_config",
]

PREFIX = "enc1"
_INFO = b"idp data-at-rest key v1"
_SALT = b"idp/security/data_key"


class DataKeyError(RuntimeError):
    """A stored secret that cannot be decrypted with the configured keys (stable code)."""

    code = "data_key_mismatch"


def _derive(material: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        material.encode("utf-8")
    )


def _kid(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@dataclass(frozen=True)
class Keyring:
    """The current key (encrypts) and previous ones (decrypt only), by kid."""

    current: bytes
    previous: tuple[bytes, ...] = ()

    @classmethod
    def from_material(cls, current: str, previous: tuple[str, ...] = ()) -> Keyring:
        return cls(_derive(current), tuple(_derive(p) for p in previous))

    @property
    def kid(self) -> str:
        return _kid(self.current)

    def _by_kid(self, kid: str) -> bytes | None:
        for key in (self.current, *self.previous):
            if _kid(key) == kid:
                return key
        return None

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.current).encrypt(nonce, plaintext.encode("utf-8"), context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"{PREFIX}:{self.kid}:{body}"

    def decrypt(self, stored: str, *, context: str) -> str:
        prefix, _, rest = stored.partition(":")
        kid, _, body = rest.partition(":")
        if prefix != PREFIX or not kid or not body:
            raise DataKeyError(f"{context}: value is not encrypted ({PREFIX}: prefix missing)")
        key = self._by_kid(kid)
        if key is None:
            raise DataKeyError(
                f"{context}: encrypted under key {kid}, which is neither IDP_DATA_KEY nor in "
                "IDP_DATA_KEY_PREVIOUS"
            )
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        try:
            plain = AESGCM(key).decrypt(raw[:12], raw[12:], context.encode())
        except InvalidTag:
            raise DataKeyError(f"{context}: ciphertext does not authenticate") from None
        return plain.decode("utf-8")

    def needs_rotation(self, stored: str) -> bool:
        return not stored.startswith(f"{PREFIX}:{self.kid}:")


def keyring_from_config(config: Mapping[str, Any]) -> Keyring:
    current = str(config.get("DATA_KEY") or config.get("SECRET_KEY") or "")
    if not current:
        raise DataKeyError("no IDP_DATA_KEY nor IDP_SECRET_KEY to derive the data key from")
    previous_raw = config.get("DATA_KEY_PREVIOUS") or ()
    if isinstance(previous_raw, str):
        previous_raw = previous_raw.split(",")
    previous = tuple(str(p).strip() for p in previous_raw if str(p).strip())
    return Keyring.from_material(current, previous)


def current_keyring() -> Keyring:
    """The running app's keyring, derived once per app (HKDF is cheap, but not free)."""
    from flask import current_app

    ring = current_app.extensions.get("idp.data_key")
    if ring is None:
        ring = keyring_from_config(current_app.config)
        current_app.extensions["idp.data_key"] = ring
    return ring
