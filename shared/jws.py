"""Sign and verify protocol messages as compact ES256 JWS.

``verify`` checks, in this order, and raises the first failure as a typed error:

1. size (:data:`MAX_TOKEN_BYTES`)                                   -> message_too_large
2. compact syntax, header a JSON object, no ``crit``/``b64``        -> message_malformed
3. ``alg`` exactly ``ES256`` (``none``, HS256, RS256... refused)    -> algorithm_not_allowed
4. ``kid`` names a known key                                        -> unknown_key
5. ``typ`` header is the model's media type                          -> message_type_invalid
6. signature, by PyJWT restricted to ES256                          -> signature_invalid
7. payload a JSON object; ``v`` not newer than ours                 -> message_malformed,
                                                                       unsupported_version
8. ``typ`` claim is the model's type                                -> message_type_invalid
9. the model's shape (pydantic)                                      -> message_malformed
10. ``aud``, then ``iss``                                            -> audience_invalid,
                                                                       issuer_invalid
11. ``exp``, ``iat``, ``nbf`` against the injected ``now``          -> message_expired,
                                                                       message_not_yet_valid

The version and the ``typ`` claim are checked before the shape because a newer or another message
type has another shape, and the honest answer names the version or the type. PyJWT's own claim
and time checks are not used at all: it verifies the signature of bytes, and the injected clock
rules. Replay (``jti``, challenge decided once) is the receiver's business: it has the storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from pydantic import ValidationError

from shared.compact import MAX_TOKEN_BYTES, CompactJws, split_compact
from shared.errors import (
    AlgorithmNotAllowed,
    AudienceInvalid,
    IssuerInvalid,
    KeyInvalid,
    MessageMalformed,
    MessageTypeInvalid,
    SignatureInvalid,
    UnknownKey,
    validation_detail,
)
from shared.keys import Jwks, validate_kid
from shared.messages.base import ProtocolMessage
from shared.timing import DEFAULT_LEEWAY, check_validity_window, require_aware
from shared.version import require_supported_version

__all__ = [
    "ALGORITHM",
    "DEFAULT_LEEWAY",
    "MAX_TOKEN_BYTES",
    "KeySource",
    "peek_header",
    "sign",
    "unverified_claims",
    "verify",
]

M = TypeVar("M", bound=ProtocolMessage)
KeySource = Jwks | Mapping[str, ec.EllipticCurvePublicKey] | ec.EllipticCurvePublicKey

ALGORITHM: Final = "ES256"
# Security: a PyJWS that knows ES256 and nothing else. Even if a check above were bypassed, an
# HS256 token "signed" with our public key as the HMAC secret cannot verify here. Never mutated.
_ES256_ONLY: Final = jwt.PyJWS(algorithms=[ALGORITHM])
# Verification uses PyJWT's ES256 algorithm object on the segments ``split_compact`` already
# decoded (no second parse of the token): ECDSA over P-256 with SHA-256, raw r||s signatures.
_ES256: Final = ECAlgorithm(ECAlgorithm.SHA256)
_FORBIDDEN_HEADERS: Final = frozenset({"crit", "b64"})


def _require_p256(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> None:
    if not isinstance(key.curve, ec.SECP256R1):
        raise KeyInvalid(f"ES256 needs a P-256 key, not {key.curve.name}")


def sign(claims: ProtocolMessage, key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    """The compact ES256 JWS of ``claims``; header ``{"alg", "kid", "typ": media type}``."""
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyInvalid("signing needs an elliptic-curve private key")
    _require_p256(key)
    payload = claims.to_json().encode("utf-8")
    headers = {"alg": ALGORITHM, "kid": validate_kid(kid), "typ": claims.media_type}
    return _ES256_ONLY.encode(payload, key, algorithm=ALGORITHM, headers=headers)


def _media_type_matches(value: object, expected: str) -> bool:
    # RFC 7515 §4.1.9: compare case-insensitively; "application/" may be omitted.
    if not isinstance(value, str):
        return False
    value = value.lower()
    return value.removeprefix("application/") == expected.lower()


def _select_key(keys: KeySource, kid: object) -> ec.EllipticCurvePublicKey:
    if not isinstance(kid, str) or not kid:
        raise UnknownKey("the JWS header has no kid")
    if isinstance(keys, ec.EllipticCurvePublicKey):
        key = keys  # the caller already chose the key (e.g. the device's own)
    elif isinstance(keys, Jwks):
        key = keys.get(kid)
    else:
        try:
            key = keys[kid]
        except KeyError:
            raise UnknownKey(f"no key with kid {kid!r}"[:200]) from None
    _require_p256(key)
    return key


def _check_signature(parts: CompactJws, key: ec.EllipticCurvePublicKey) -> None:
    # A signature of the wrong length is refused by ECAlgorithm.verify (False), not raised.
    if not _ES256.verify(parts.signing_input, key, parts.signature):
        raise SignatureInvalid("the signature does not verify")


def verify(
    token: str,
    *,
    keys: KeySource,
    model: type[M],
    audience: str,
    issuer: str | None,
    now: datetime,
    leeway: timedelta = DEFAULT_LEEWAY,
) -> M:
    """Verify a compact JWS and return its claims as ``model`` (see the module docstring).

    ``keys``: a :class:`Jwks` or ``{kid: public key}`` (the ``kid`` header selects the key), or
    one public key (the caller selected it; a ``kid`` header must still be present).
    ``issuer=None`` skips the issuer check (only for messages whose key already identifies the
    issuer). Raises only :class:`~shared.errors.ProtocolError` subclasses for a bad token.
    """
    require_aware(now)
    parts = split_compact(token)
    header = parts.header
    if _FORBIDDEN_HEADERS & header.keys():
        raise MessageMalformed("JWS header extensions (crit, b64) are not used by this protocol")
    alg = header.get("alg")
    if alg != ALGORITHM:
        # Security: decided from our constant, never from the token (RFC 8725 §2.1).
        raise AlgorithmNotAllowed(f"alg {alg!r} is not allowed; only ES256"[:200])
    key = _select_key(keys, header.get("kid"))
    if not _media_type_matches(header.get("typ"), model.media_type):
        raise MessageTypeInvalid(f"typ header is not {model.media_type}")
    _check_signature(parts, key)

    claims = parts.claims()
    require_supported_version(claims)
    if claims.get("typ") != model.message_type:
        raise MessageTypeInvalid(f"typ claim is not {model.message_type}")
    if "v" not in claims:
        raise MessageMalformed("v: a signed message states its version")
    try:
        message = model.model_validate(claims)
    except ValidationError as exc:
        raise MessageMalformed(validation_detail(exc)) from None

    if getattr(message, "aud", None) != audience:
        raise AudienceInvalid(f"the message is for another audience, not {audience!r}"[:300])
    if issuer is not None and getattr(message, "iss", None) != issuer:
        raise IssuerInvalid(f"the message is not issued by {issuer!r}"[:300])
    nbf = getattr(message, "nbf", None)
    check_validity_window(
        iat=message.iat,
        exp=message.exp,
        nbf=nbf if isinstance(nbf, int) else None,
        now=now,
        leeway=leeway,
    )
    return message


def peek_header(token: str) -> dict[str, Any]:
    """The JOSE header, UNVERIFIED: for routing (which key, which type) and debugging only.

    Nothing read here may be trusted or acted on before :func:`verify` succeeded.
    """
    return split_compact(token).header


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload, UNVERIFIED: for debugging tools and for finding the key to verify with
    (e.g. an enrollment request's ``public_jwk``). Trust nothing in it before :func:`verify`."""
    return split_compact(token).claims()
