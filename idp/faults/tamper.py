"""How a fault alters what the IdP sends: a broken signature, a stale or an expired copy."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.base64url import b64url_decode, b64url_encode

__all__ = ["corrupt_signature", "expired_view_times"]


def corrupt_signature(token: str) -> str:
    """``token`` with one bit of its signature flipped: same header and payload, and a
    signature of the right length that no key verifies."""
    head, payload, signature = token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{payload}.{b64url_encode(bytes(raw))}"


def expired_view_times(now: datetime, ttl: timedelta) -> tuple[datetime, datetime]:
    """(signing time, expiry) of a copy that expired a minute ago but was valid once."""
    expires = now - timedelta(minutes=1)
    return expires - ttl, expires
