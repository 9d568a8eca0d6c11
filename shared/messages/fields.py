"""Field types of the wire messages: strict per field, bounded, and validated once here.

Every string has a maximum length; identifiers are URL-safe; display text refuses control and
bidirectional-override characters (they could disguise what the user approves).
"""

from __future__ import annotations

import ipaddress
import unicodedata
from datetime import datetime
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints

from shared.base64url import b64url_decode
from shared.timing import MAX_UNIX_TIME
from shared.version import PROTOCOL_VERSION

__all__ = [
    "MIN_NONCE_BYTES",
    "AccountLabel",
    "ActivationCode",
    "DeviceName",
    "DisplayText",
    "HttpUrl",
    "Identifier",
    "IdpBaseUrl",
    "IpAddress",
    "IsoTimestamp",
    "IssuerLabel",
    "Jti",
    "MatchingMode",
    "Nonce",
    "Purpose",
    "RealmSlug",
    "ShortText",
    "UnixTime",
    "UrlPath",
    "Username",
    "Version",
]

MIN_NONCE_BYTES: Final = 16
_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _plain_text(value: str) -> str:
    for char in value:
        if unicodedata.category(char) in {"Cc", "Cs"} or char in _BIDI_CONTROLS:
            raise ValueError(
                "control, surrogate or bidirectional-override characters are not allowed"
            )
    return value


def _no_colon(value: str) -> str:
    if ":" in value:
        raise ValueError("':' is not allowed (it separates issuer and account in a label)")
    return value


def _nonce(value: str) -> str:
    if len(b64url_decode(value)) < MIN_NONCE_BYTES:
        raise ValueError(f"a nonce carries at least {MIN_NONCE_BYTES} random bytes")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("credentials in a URL are not allowed")
    if any(char.isspace() for char in value):
        raise ValueError("whitespace is not allowed in a URL")
    _ = parts.port  # raises ValueError for a malformed port
    return value


def _idp_base_url(value: str) -> str:
    parts = urlsplit(_http_url(value))
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError("a base URL has no query or fragment")
    return value.rstrip("/")


def _url_path(value: str) -> str:
    if any(char.isspace() for char in value):
        raise ValueError("whitespace is not allowed in a path")
    return value


def _ip_address(value: str) -> str:
    ipaddress.ip_address(value)  # ValueError when it is not one
    return value


def _iso_timestamp(value: str) -> str:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("an ISO 8601 time must carry its UTC offset")
    return value


Version = Annotated[int, Field(strict=True, ge=1, le=PROTOCOL_VERSION)]
UnixTime = Annotated[int, Field(strict=True, ge=0, le=MAX_UNIX_TIME)]

# Opaque identifiers made by the IdP (challenge and device ids): URL-safe, 8-64 characters.
Identifier = Annotated[
    str, StringConstraints(strict=True, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
]
Jti = Annotated[
    str, StringConstraints(strict=True, min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
]
Nonce = Annotated[
    str,
    StringConstraints(strict=True, min_length=22, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"),
    AfterValidator(_nonce),
]
RealmSlug = Annotated[
    str, StringConstraints(strict=True, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$")
]
ActivationCode = Annotated[
    str, StringConstraints(strict=True, min_length=6, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
]

DisplayText = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=128), AfterValidator(_plain_text)
]
ShortText = Annotated[
    str, StringConstraints(strict=True, max_length=64), AfterValidator(_plain_text)
]
DeviceName = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=120), AfterValidator(_plain_text)
]
Username = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=256), AfterValidator(_plain_text)
]
AccountLabel = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=256),
    AfterValidator(_plain_text),
    AfterValidator(_no_colon),
]
IssuerLabel = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=128),
    AfterValidator(_plain_text),
    AfterValidator(_no_colon),
]

HttpUrl = Annotated[
    str, StringConstraints(strict=True, min_length=8, max_length=2048), AfterValidator(_http_url)
]
# The IdP's base URL: http(s), no query or fragment; trailing slashes are dropped.
IdpBaseUrl = Annotated[
    str,
    StringConstraints(strict=True, min_length=8, max_length=2048),
    AfterValidator(_idp_base_url),
]
# A request path as in DPoP's htu, but without scheme and host: "/...", no query or fragment.
UrlPath = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=2048, pattern=r"^/[^?#]*$"),
    AfterValidator(_url_path),
]
IpAddress = Annotated[
    str, StringConstraints(strict=True, max_length=64), AfterValidator(_ip_address)
]
IsoTimestamp = Annotated[
    str, StringConstraints(strict=True, max_length=40), AfterValidator(_iso_timestamp)
]

MatchingMode = Literal["typed", "choose", "none"]
Purpose = Literal["sign_in", "password_reset"]
