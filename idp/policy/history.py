"""Reuse check against the hashes of the user's previous passwords."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["HashVerifier", "is_reused", "verify_argon2"]

# verify(stored_hash, candidate_password) -> bool, argon2-cffi's argument order.
HashVerifier = Callable[[str, str], bool]

_HASHER = PasswordHasher()


def verify_argon2(stored_hash: str, password: str) -> bool:
    """argon2-cffi verification as a boolean; a malformed stored hash simply does not match.
    The parameters are read from the hash, so any cost settings verify."""
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def is_reused(
    password: str,
    previous_hashes: Sequence[str],
    keep: int,
    verify_hash: HashVerifier | None = None,
) -> bool:
    """True if the password matches one of the ``keep`` most recent hashes (newest first).

    Every one of them is verified even after a match would be known, so the time taken does
    not depend on which entry matched.
    """
    verify = verify_hash or verify_argon2
    matched = False
    for stored in previous_hashes[:keep]:
        matched = verify(stored, password) or matched
    return matched
