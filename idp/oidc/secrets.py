"""Random secrets (client secrets, codes, access tokens) and their stored form.

Each is 256 random bits, so SHA-256 is enough to store it (argon2's cost protects low-entropy
passwords, not these); lookups go by hash and comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["digest", "matches", "new_secret"]


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def matches(value: str, stored_digest: str | None) -> bool:
    if stored_digest is None:
        return False
    # Constant-time: the comparison time says nothing about how much of the secret is right.
    return hmac.compare_digest(digest(value), stored_digest)
