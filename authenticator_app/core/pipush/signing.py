"""privacyIDEA push cryptography: RSA keys, PKCS#1 v1.5 + SHA-256 signatures in base32 (RFC 4648,
with padding), and the exact texts each side signs (privacyIDEA 3.14,
``privacyidea/lib/tokens/pushtoken.py``).

- device -> server: poll ``{serial}|{timestamp}``; answer ``{nonce}|{serial}[|{presence}]``;
  decline ``{nonce}|{serial}|decline[|{reason}]``;
- server -> device: challenge ``{nonce}|{url}|{serial}|{question}|{title}|{sslverify}``
  (``|{require_presence}`` appended when present) and ``capabilities_signature`` over the
  RFC 8785 (JCS) form of ``{"capabilities": <capabilities parsed>, "nonce": nonce}``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Final

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = [
    "DEVICE_KEY_BITS",
    "answer_text",
    "capabilities_input",
    "challenge_text",
    "decline_text",
    "device_public_key_b64",
    "load_private_key",
    "load_public_key_pem",
    "load_server_key",
    "new_device_key",
    "poll_text",
    "private_key_pem",
    "public_key_pem",
    "sign",
    "verify",
]

DEVICE_KEY_BITS: Final = 4096
"""As privacyIDEA's own app (the server makes its token key RSA-4096 too)."""
_MAX_SIGNATURE_B32: Final = 1024


def new_device_key(bits: int = DEVICE_KEY_BITS) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):  # pragma: no cover - the vault holds what we wrote
        raise ValueError("not an RSA key")
    return key


def public_key_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key_pem(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):  # pragma: no cover - the vault holds what we wrote
        raise ValueError("not an RSA key")
    return key


def device_public_key_b64(key: rsa.RSAPrivateKey) -> str:
    """The enrollment ``pubkey``: SubjectPublicKeyInfo DER, standard base64, no armour."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def load_server_key(b64: str) -> rsa.RSAPublicKey:
    """The step-2 ``public_key``: PKCS#1 ``RSA PUBLIC KEY`` base64 without headers (a
    SubjectPublicKeyInfo is accepted too). :class:`ValueError` if it is not an RSA key of at
    least 2048 bits."""
    try:
        der = base64.b64decode(b64.strip().replace("-", "+").replace("_", "/"), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the server key is not base64") from exc
    key: Any
    try:
        key = serialization.load_der_public_key(der)
    except ValueError:
        pem = b"-----BEGIN RSA PUBLIC KEY-----\n" + base64.encodebytes(der)
        try:
            key = serialization.load_pem_public_key(pem + b"-----END RSA PUBLIC KEY-----\n")
        except ValueError:
            raise ValueError("the server key is not an RSA public key") from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
        raise ValueError("the server key is not an RSA key of at least 2048 bits")
    return key


def sign(key: rsa.RSAPrivateKey, text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    raw = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return base64.b32encode(raw).decode("ascii")


def verify(key: rsa.RSAPublicKey, signature: object, text: str | bytes) -> bool:
    """Whether ``signature`` (base32) is ``key``'s signature of ``text``; never raises."""
    if not isinstance(signature, str) or not 0 < len(signature) <= _MAX_SIGNATURE_B32:
        return False
    try:
        raw = base64.b32decode(signature.strip().upper())
    except (binascii.Error, ValueError):
        return False
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        key.verify(raw, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def poll_text(serial: str, timestamp: str) -> str:
    return f"{serial}|{timestamp}"


def challenge_text(data: Mapping[str, Any]) -> str:
    text = "{nonce}|{url}|{serial}|{question}|{title}|{sslverify}".format(**data)
    if "require_presence" in data:
        text += f"|{data['require_presence']}"
    return text


def capabilities_input(capabilities: Mapping[str, Any], nonce: str) -> bytes:
    return rfc8785.dumps({"capabilities": dict(capabilities), "nonce": nonce})


def answer_text(nonce: str, serial: str, presence_answer: str | None = None) -> str:
    text = f"{nonce}|{serial}"
    return f"{text}|{presence_answer}" if presence_answer else text


def decline_text(nonce: str, serial: str, reason: str | None = None) -> str:
    text = f"{nonce}|{serial}|decline"
    return f"{text}|{reason}" if reason else text
