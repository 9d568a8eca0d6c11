"""Random identifiers of the protocol, made from injected randomness.

``rng`` is a ``token_bytes``-like callable (``secrets.token_bytes`` by default; tests pass a
deterministic one). Sizes: nonces and ``jti`` carry 16 random bytes (128 bits), ids 12.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Final

from shared.base64url import b64url_encode

__all__ = ["RandomBytes", "new_identifier", "new_jti", "new_nonce", "same_secret"]

RandomBytes = Callable[[int], bytes]
_NONCE_BYTES: Final = 16
_ID_BYTES: Final = 12


def new_nonce(rng: RandomBytes = secrets.token_bytes) -> str:
    """A challenge nonce: 16 random bytes, base64url (22 characters)."""
    return b64url_encode(rng(_NONCE_BYTES))


def new_jti(rng: RandomBytes = secrets.token_bytes) -> str:
    """A JWT id: 16 random bytes, base64url (22 characters)."""
    return b64url_encode(rng(_NONCE_BYTES))


def new_identifier(rng: RandomBytes = secrets.token_bytes) -> str:
    """A challenge or device id: 12 random bytes, base64url (16 characters)."""
    return b64url_encode(rng(_ID_BYTES))


def same_secret(a: str, b: str) -> bool:
    """Constant-time equality, for nonces, activation codes and numbers as text.

    Security: a plain ``==`` leaks, through timing, how many leading characters matched.
    """
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
