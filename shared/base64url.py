"""Strict base64url without padding (RFC 7515 §2), as JOSE uses it.

Decoding refuses padding, characters outside the URL-safe alphabet, impossible lengths and
non-canonical trailing bits, so that one byte string has exactly one textual form: a tampered
token cannot keep its signature by flipping unused bits.
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["b64url_decode", "b64url_encode"]

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    """Encode ``data`` as base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode canonical unpadded base64url; raises ``ValueError`` on anything else."""
    if not isinstance(text, str) or _ALPHABET.fullmatch(text) is None:
        raise ValueError("not base64url text")
    if len(text) % 4 == 1:
        raise ValueError("impossible base64url length")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:  # pragma: no cover - the alphabet check makes this unreachable
        raise ValueError("not base64url text") from exc
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url (stray trailing bits)")
    return data
