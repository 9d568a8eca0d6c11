"""ES256 keys: generation, PEM and JWK import/export, RFC 7638 thumbprints, and JWK sets.

Only P-256 keys exist in this protocol (what Android Keystore holds). Importing a JWK is strict:
anything but a public P-256 point with canonical 32-byte coordinates raises :class:`KeyInvalid`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Final, Self

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, model_validator

from shared.base64url import b64url_decode, b64url_encode
from shared.errors import KeyInvalid, UnknownKey

__all__ = [
    "KID_PATTERN",
    "Jwks",
    "generate_private_key",
    "jwk_thumbprint",
    "load_public_jwk",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_jwk",
    "public_key_thumbprint",
    "validate_kid",
]

KID_PATTERN: Final = r"^[A-Za-z0-9._~-]{1,128}$"
_KID = re.compile(KID_PATTERN)
_COORDINATE_BYTES: Final = 32
# The P-256 field prime: coordinates must be reduced modulo it to be canonical.
_P256_PRIME: Final = 2**256 - 2**224 + 2**192 + 2**96 - 1
# RFC 7638 §3.2: the members that make up a thumbprint, per key type.
_THUMBPRINT_MEMBERS: Final[Mapping[str, tuple[str, ...]]] = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "oct": ("k", "kty"),
    "OKP": ("crv", "kty", "x"),
}
_MAX_JWKS_KEYS: Final = 16


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def validate_kid(kid: str) -> str:
    """Return ``kid`` if it is a plain key id (URL-safe characters, 1-128); else KeyInvalid."""
    if not isinstance(kid, str) or _KID.fullmatch(kid) is None:
        raise KeyInvalid("kid must be 1-128 URL-safe characters")
    return kid


def _require_p256(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> None:
    if not isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        raise KeyInvalid("not an elliptic-curve key")
    if not isinstance(key.curve, ec.SECP256R1):
        raise KeyInvalid(f"curve {key.curve.name} is not P-256")


def public_jwk(
    key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey, kid: str | None = None
) -> dict[str, str]:
    """The public JWK of a P-256 key (a private key gives its public half).

    With ``kid``, the JWK also says ``alg: ES256`` and ``use: sig``, as a JWKS entry should.
    """
    _require_p256(key)
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    numbers = public.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(_COORDINATE_BYTES, "big")),
        "y": b64url_encode(numbers.y.to_bytes(_COORDINATE_BYTES, "big")),
    }
    if kid is not None:
        jwk.update(kid=validate_kid(kid), alg="ES256", use="sig")
    return jwk


def private_key_to_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM (whoever stores it encrypts the whole file)."""
    _require_p256(key)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key_from_pem(data: bytes) -> ec.EllipticCurvePrivateKey:
    """Load an unencrypted PEM private key; it must be P-256."""
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyInvalid(f"not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyInvalid("not an elliptic-curve private key")
    _require_p256(key)
    return key


def _coordinate(jwk: Mapping[str, object], name: str) -> int:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise KeyInvalid(f"JWK member {name!r} must be a string")
    try:
        raw = b64url_decode(value)
    except ValueError:
        raise KeyInvalid(f"JWK member {name!r} is not base64url") from None
    if len(raw) != _COORDINATE_BYTES:
        raise KeyInvalid(f"JWK member {name!r} must encode exactly 32 bytes")
    number = int.from_bytes(raw, "big")
    if number >= _P256_PRIME:
        raise KeyInvalid(f"JWK member {name!r} is not a field element")
    return number


def load_public_jwk(jwk: Mapping[str, object]) -> ec.EllipticCurvePublicKey:
    """Import a public P-256 JWK, strictly.

    Refuses: a private member ``d`` (a private key must never travel), another ``kty`` or
    ``crv``, coordinates that are not canonical base64url of 32 bytes, a point off the curve,
    ``alg`` other than ES256, ``use`` other than ``sig``, a malformed ``kid``. Unknown members are
    ignored (RFC 7517 §4).
    """
    if not isinstance(jwk, Mapping):
        raise KeyInvalid("a JWK must be a JSON object")
    if "d" in jwk:
        # Security: a JWK with private material means a key leaked or a confused sender;
        # never accept (or store) it as a public key.
        raise KeyInvalid("JWK contains the private member 'd'")
    if jwk.get("kty") != "EC":
        raise KeyInvalid("JWK kty must be 'EC'")
    if jwk.get("crv") != "P-256":
        raise KeyInvalid("JWK crv must be 'P-256'")
    if "alg" in jwk and jwk["alg"] != "ES256":
        raise KeyInvalid("JWK alg must be 'ES256'")
    if "use" in jwk and jwk["use"] != "sig":
        raise KeyInvalid("JWK use must be 'sig'")
    if "kid" in jwk:
        kid = jwk["kid"]
        validate_kid(kid if isinstance(kid, str) else "")
    x = _coordinate(jwk, "x")
    y = _coordinate(jwk, "y")
    try:
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except ValueError:
        raise KeyInvalid("JWK point is not on the P-256 curve") from None


def jwk_thumbprint(jwk: Mapping[str, object]) -> str:
    """RFC 7638 JWK thumbprint: SHA-256 over the required members, base64url, no padding.

    Supports the EC, RSA, oct and OKP required-member sets; it computes, it does not validate
    the key (use :func:`load_public_jwk` for that).
    """
    if not isinstance(jwk, Mapping):
        raise KeyInvalid("a JWK must be a JSON object")
    kty = jwk.get("kty")
    if not isinstance(kty, str) or kty not in _THUMBPRINT_MEMBERS:
        raise KeyInvalid(f"unsupported JWK kty for a thumbprint: {kty!r}")
    members: dict[str, str] = {}
    for name in _THUMBPRINT_MEMBERS[kty]:
        value = jwk.get(name)
        if not isinstance(value, str):
            raise KeyInvalid(f"JWK member {name!r} is required and must be a string")
        members[name] = value
    # RFC 7638 §3.3: lexicographic member order, no whitespace, UTF-8.
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_key_thumbprint(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> str:
    """The RFC 7638 thumbprint of a P-256 key's public JWK."""
    return jwk_thumbprint(public_jwk(key))


JwkMember = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=32)]
JwkValue = Annotated[str, StringConstraints(strict=True, max_length=256)]


class Jwks(BaseModel):
    """A JWK set of public ES256 keys, each with a unique ``kid`` (RFC 7517 §5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keys: list[dict[JwkMember, JwkValue]] = Field(max_length=_MAX_JWKS_KEYS)
    # Parsed public keys by kid (the set is frozen: a key, once loaded, stays what it is).
    _loaded: dict[str, ec.EllipticCurvePublicKey] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _keys_are_public_p256_with_unique_kids(self) -> Self:
        seen: set[str] = set()
        for index, jwk in enumerate(self.keys):
            try:
                load_public_jwk(jwk)
            except KeyInvalid as exc:
                raise ValueError(f"keys[{index}]: {exc.detail}") from None
            kid = jwk.get("kid")
            if kid is None:
                raise ValueError(f"keys[{index}]: a JWKS entry needs a kid")
            if kid in seen:
                raise ValueError(f"keys[{index}]: duplicate kid {kid!r}")
            seen.add(kid)
        return self

    @classmethod
    def from_keys(
        cls, keys: Mapping[str, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey]
    ) -> Self:
        """A JWKS publishing the public halves of ``{kid: key}``."""
        return cls(keys=[public_jwk(key, kid=kid) for kid, key in keys.items()])

    @property
    def kids(self) -> list[str]:
        return [jwk["kid"] for jwk in self.keys]

    def get(self, kid: str) -> ec.EllipticCurvePublicKey:
        """The public key for ``kid``; :class:`UnknownKey` when the set has none."""
        loaded = self._loaded.get(kid)
        if loaded is not None:
            return loaded
        for jwk in self.keys:
            if jwk.get("kid") == kid:
                key = self._loaded[kid] = load_public_jwk(jwk)
                return key
        raise UnknownKey(f"no key with kid {kid!r}"[:200])

    def as_dict(self) -> dict[str, Any]:
        """The JSON form, ``{"keys": [...]}``, as served at a JWKS endpoint."""
        return self.model_dump(mode="json")
