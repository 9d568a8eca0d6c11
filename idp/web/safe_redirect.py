"""Open-redirect guard for ``next=`` parameters."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["safe_next"]


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site absolute paths are followed; anything else goes to ``fallback``.

    2048 characters: an OpenID Connect authorization request (state, nonce, PKCE challenge,
    redirect URI) travels through sign-in as ``next``.
    """
    if not target or len(target) > 2048:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    return target
