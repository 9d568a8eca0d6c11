"""``otpauth://totp/`` and ``otpauth://hotp/`` URIs, per Google's Key URI Format.

::

    otpauth://TYPE/LABEL?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30&counter=0

- TYPE is ``totp`` or ``hotp`` (case-insensitive); LABEL is ``issuer:account`` or ``account``,
  percent-encoded (an encoded ``%3A`` separates too; spaces after the separator are ignored).
- ``secret`` is required: base32, case-insensitive, padding optional, at least 80 bits.
- ``issuer`` is recommended; when both it and the label prefix are present they must be equal
  (the Key URI format says so): two different issuers are refused (``uri_issuer_mismatch``),
  since the account would be filed under one and could be meant for the other.
- ``algorithm`` SHA1 (default), SHA256 or SHA512; ``digits`` 6 (default), 7 or 8; ``period``
  (TOTP) 30 by default; ``counter`` (HOTP) is required. Other parameters (``image``...) are
  ignored; a parameter given twice is refused.

Parsing raises only :class:`~authenticator_app.core.errors.UriInvalid` or
:class:`~authenticator_app.core.errors.UriUnsupported`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from pydantic import ValidationError

from authenticator_app.core.accounts import OtpParameters
from authenticator_app.core.errors import UriInvalid, UriIssuerMismatch, UriUnsupported

__all__ = [
    "MAX_URI_LENGTH",
    "OtpAuthUri",
    "format_otpauth_uri",
    "is_otpauth_uri",
    "parse_otpauth_uri",
]

MAX_URI_LENGTH: Final = 4096
MIN_SECRET_BYTES: Final = 10  # 80 bits, what most services issue
_TYPES: Final = frozenset({"totp", "hotp"})
_ALGORITHMS: Final = frozenset({"SHA1", "SHA256", "SHA512"})
_INTEGER = re.compile(r"[0-9]{1,19}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BASE32 = re.compile(r"[A-Z2-7]+")
_MAX_ISSUER: Final = 256
_MAX_NAME: Final = 512


@dataclass(frozen=True, slots=True)
class OtpAuthUri:
    """A parsed Key URI: who issued it, for which account, and the OTP parameters."""

    issuer: str
    name: str
    otp: OtpParameters


def is_otpauth_uri(uri: str) -> bool:
    """Whether ``uri`` claims to be an ``otpauth://totp/`` or ``otpauth://hotp/`` URI."""
    text = uri.strip().lower()
    return text.startswith(("otpauth://totp/", "otpauth://hotp/"))


def _integer(params: dict[str, str], name: str, default: int | None) -> int:
    value = params.get(name)
    if value is None:
        if default is None:
            raise UriInvalid(f"the {name} parameter is required")
        return default
    if _INTEGER.fullmatch(value) is None:
        raise UriInvalid(f"the {name} parameter must be a non-negative integer")
    return int(value)


def _secret(value: str | None) -> str:
    if not value:
        raise UriInvalid("the secret parameter is required")
    secret = value.replace(" ", "").upper().rstrip("=")
    if _BASE32.fullmatch(secret) is None:
        raise UriInvalid("the secret is not base32")
    try:
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        raise UriInvalid("the secret is not valid base32") from None
    if len(raw) < MIN_SECRET_BYTES:
        raise UriInvalid(f"the secret is shorter than {MIN_SECRET_BYTES * 8} bits")
    return secret


def _parameters(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict", max_num_fields=32)
    except (ValueError, UnicodeDecodeError):
        raise UriInvalid("malformed query string") from None
    for raw_name, value in pairs:
        name = raw_name.lower()
        if name in params:
            raise UriInvalid(f"the {name} parameter appears twice")
        params[name] = value
    return params


def _label(path: str) -> tuple[str, str]:
    try:
        label = unquote(path.removeprefix("/"), errors="strict")
    except UnicodeDecodeError:
        raise UriInvalid("the label is not valid percent-encoded UTF-8") from None
    if _CONTROL.search(label):
        raise UriInvalid("the label contains control characters")
    issuer, separator, name = label.partition(":")
    if not separator:
        issuer, name = "", label
    return issuer.strip(), name.strip()


def parse_otpauth_uri(uri: str) -> OtpAuthUri:
    """Parse a Key URI (see the module docstring)."""
    if not isinstance(uri, str):
        raise UriInvalid("a URI is text")
    text = uri.strip()
    if len(text) > MAX_URI_LENGTH:
        raise UriInvalid(f"a URI has at most {MAX_URI_LENGTH} characters")
    if _CONTROL.search(text):
        raise UriInvalid("the URI contains control characters")
    try:
        parts = urlsplit(text)
    except ValueError:
        raise UriInvalid("not a URI") from None
    if parts.scheme.lower() != "otpauth":
        raise UriUnsupported("not an otpauth:// URI")
    kind = parts.netloc.lower()
    if kind not in _TYPES:
        raise UriUnsupported(f"otpauth type {parts.netloc[:20]!r} is not totp or hotp")
    label_issuer, name = _label(parts.path)
    params = _parameters(parts.query)
    issuer = params.get("issuer", "").strip() or label_issuer
    if label_issuer and issuer != label_issuer:
        raise UriIssuerMismatch(
            f"the label's issuer {label_issuer[:_MAX_ISSUER]!r} differs from the issuer "
            f"parameter {issuer[:_MAX_ISSUER]!r}"
        )
    if _CONTROL.search(issuer):
        raise UriInvalid("the issuer contains control characters")
    if not name:
        raise UriInvalid("the label names no account")
    if len(issuer) > _MAX_ISSUER or len(name) > _MAX_NAME:
        raise UriInvalid("the issuer or account name is too long")
    algorithm = params.get("algorithm", "SHA1").upper()
    if algorithm not in _ALGORITHMS:
        raise UriInvalid("algorithm must be SHA1, SHA256 or SHA512")
    try:
        otp = OtpParameters(
            type="totp" if kind == "totp" else "hotp",
            secret=_secret(params.get("secret")),
            digits=_integer(params, "digits", 6),
            algorithm=algorithm,  # checked against _ALGORITHMS above
            period=_integer(params, "period", 30) if kind == "totp" else 30,
            counter=_integer(params, "counter", None) if kind == "hotp" else 0,
        )
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        raise UriInvalid(f"out-of-range parameter(s): {fields}") from None
    return OtpAuthUri(issuer=issuer, name=name, otp=otp)


def format_otpauth_uri(issuer: str, name: str, otp: OtpParameters) -> str:
    """The Key URI of an account (the inverse of :func:`parse_otpauth_uri`)."""
    label = f"{quote(issuer, safe='')}:{quote(name, safe='@')}" if issuer else quote(name, safe="@")
    params: list[tuple[str, str]] = [("secret", otp.secret)]
    if issuer:
        params.append(("issuer", issuer))
    params += [("algorithm", otp.algorithm), ("digits", str(otp.digits))]
    if otp.type == "totp":
        params.append(("period", str(otp.period)))
    else:
        params.append(("counter", str(otp.counter)))
    return f"otpauth://{otp.type}/{label}?{urlencode(params, quote_via=quote)}"
