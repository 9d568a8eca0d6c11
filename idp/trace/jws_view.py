"""A compact JWS taken apart for a human: header, payload, ``kid``, the key's RFC 7638
thumbprint, and whether its signature verifies *now* against the key it names.

For inspection only: nothing here decides anything (the push code verifies for real).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from shared.errors import ProtocolError
from shared.jws import peek_header, unverified_claims
from shared.keys import jwk_thumbprint, load_public_jwk

__all__ = ["inspect_jws", "signature_verifies"]

_JWS = jwt.PyJWS(options={"verify_signature": True})


def signature_verifies(token: str, key: ec.EllipticCurvePublicKey) -> bool:
    """Only the ES256 signature (not the claims' times: the token may have expired since)."""
    try:
        _JWS.decode_complete(token, key, algorithms=["ES256"])
    except jwt.PyJWTError:
        return False
    return True


def inspect_jws(token: str, keys: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``keys``: public JWKs by ``kid`` (a realm's JWKS, or ``{kid: device key}``)."""
    view: dict[str, Any] = {"compact": token}
    try:
        header = peek_header(token)
        view["header"] = header
        view["payload"] = unverified_claims(token)
    except ProtocolError as exc:
        view.update(header=None, payload=None, kid=None, key_thumbprint=None)
        view.update(signature_verified_now=False, malformed=exc.code)
        return view
    kid = header.get("kid")
    view["kid"] = kid
    jwk = keys.get(kid) if isinstance(kid, str) else None
    if jwk is None:
        view.update(key_thumbprint=None, signature_verified_now=False)
        view["key_problem"] = "no key with this kid"
        return view
    view["key_thumbprint"] = jwk_thumbprint(jwk)
    try:
        key = load_public_jwk(jwk)
    except ProtocolError:
        view["signature_verified_now"] = False
        return view
    view["signature_verified_now"] = signature_verifies(token, key)
    return view
