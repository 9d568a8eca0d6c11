"""The enrollment URI: an :class:`~shared.messages.EnrollmentOffer` as text and QR code.

Modelled on privacyIDEA's ``otpauth://pipush/`` and the Key URI format of authenticator apps::

    otpauth://idp-push/{issuer}:{account}?v=1&url={idp base url}&realm={slug}
        &code={activation code}&exp={unix seconds}&issuer={issuer}

The label and every value are percent-encoded (``%20`` for a space, never ``+``). Each parameter
appears exactly once; unknown parameters are refused; the label's issuer, when present, must equal
the ``issuer`` parameter.

URL safety: ``url`` must be ``https``, or ``http`` to a loopback host (``127.0.0.0/8``, ``::1``,
``localhost``), unless the caller explicitly allows insecure http (a tester's flag): a QR code must
not be able to send a device key and activation code in clear over a network.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlencode, urlsplit

from shared.errors import UnsupportedVersion, UriInvalid
from shared.version import PROTOCOL_VERSION

__all__ = [
    "ENROLLMENT_URI_HOST",
    "ENROLLMENT_URI_SCHEME",
    "MAX_URI_LENGTH",
    "check_idp_url",
    "format_enrollment_uri",
    "is_enrollment_uri",
    "is_loopback_host",
    "parse_enrollment_uri",
]

ENROLLMENT_URI_SCHEME: Final = "otpauth"
ENROLLMENT_URI_HOST: Final = "idp-push"
MAX_URI_LENGTH: Final = 4096
_PARAMETERS: Final = ("v", "url", "realm", "code", "exp", "issuer")
_REQUIRED: Final = frozenset({"v", "url", "realm", "code", "exp"})
_DIGITS = re.compile(r"[0-9]{1,15}")
_FORBIDDEN_CHARACTER = re.compile(r"[\x00-\x20\x7f]")


def format_enrollment_uri(offer: Mapping[str, object]) -> str:
    """The URI of an offer given as its JSON members (see the module docstring)."""
    label = f"{quote(str(offer['issuer']), safe='')}:{quote(str(offer['account']), safe='@')}"
    query = urlencode(
        [(name, str(offer[name])) for name in _PARAMETERS], quote_via=quote, safe=":/"
    )
    return f"{ENROLLMENT_URI_SCHEME}://{ENROLLMENT_URI_HOST}/{label}?{query}"


def is_enrollment_uri(uri: str) -> bool:
    """Whether ``uri`` claims to be ours (to dispatch among otpauth://totp, hotp, idp-push)."""
    return isinstance(uri, str) and uri.strip().lower().startswith(
        f"{ENROLLMENT_URI_SCHEME}://{ENROLLMENT_URI_HOST}/"
    )


def _unquote(text: str, what: str) -> str:
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise UriInvalid(f"{what} is not valid percent-encoded UTF-8") from None


def _integer(value: str, name: str) -> int:
    if _DIGITS.fullmatch(value) is None:
        raise UriInvalid(f"parameter {name!r} must be a non-negative integer")
    return int(value)


def _split(uri: str) -> SplitResult:
    if not isinstance(uri, str):
        raise UriInvalid("an enrollment URI is text")
    if len(uri) > MAX_URI_LENGTH:
        raise UriInvalid(f"an enrollment URI has at most {MAX_URI_LENGTH} characters")
    if _FORBIDDEN_CHARACTER.search(uri):
        raise UriInvalid("spaces and control characters must be percent-encoded")
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise UriInvalid("not a URI") from None
    if parts.scheme.lower() != ENROLLMENT_URI_SCHEME:
        raise UriInvalid(f"scheme must be {ENROLLMENT_URI_SCHEME}://")
    if parts.netloc.lower() != ENROLLMENT_URI_HOST:
        raise UriInvalid(f"not an {ENROLLMENT_URI_HOST} URI (otpauth type {parts.netloc!r})"[:200])
    if parts.fragment or "#" in uri:
        raise UriInvalid("an enrollment URI has no fragment")
    return parts


def _parameters(query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(
            query,
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=len(_PARAMETERS),
        )
    except ValueError:
        raise UriInvalid("malformed query string") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        if name not in _PARAMETERS:
            raise UriInvalid(f"unknown parameter {name!r}"[:100])
        if name in params:
            raise UriInvalid(f"parameter {name!r} appears twice")
        params[name] = value
    missing = sorted(_REQUIRED - params.keys())
    if missing:
        raise UriInvalid(f"missing parameter(s): {', '.join(missing)}")
    return params


def _issuer_and_account(path: str, issuer_parameter: str | None) -> tuple[str, str]:
    label = _unquote(path.removeprefix("/"), "the label")
    label_issuer, separator, account = label.partition(":")
    if not separator:
        label_issuer, account = "", label
    issuer = label_issuer if issuer_parameter is None else issuer_parameter
    if not issuer:
        raise UriInvalid("the issuer is missing (label prefix or issuer parameter)")
    if label_issuer and label_issuer != issuer:
        raise UriInvalid("the label's issuer differs from the issuer parameter")
    return issuer, account.lstrip(" ")


def parse_enrollment_uri(uri: str) -> dict[str, object]:
    """Split an enrollment URI into offer members (not yet validated as an offer).

    Raises :class:`UriInvalid` for anything but the documented syntax, and
    :class:`UnsupportedVersion` for a ``v`` newer than :data:`PROTOCOL_VERSION`. Surrounding
    whitespace (a QR decoder's newline) is ignored.
    """
    parts = _split(uri.strip() if isinstance(uri, str) else uri)
    params = _parameters(parts.query)
    version = _integer(params["v"], "v")
    if version > PROTOCOL_VERSION:
        raise UnsupportedVersion(f"enrollment URI version {version} is newer than ours")
    issuer, account = _issuer_and_account(parts.path, params.get("issuer"))
    return {
        "v": version,
        "url": params["url"],
        "realm": params["realm"],
        "issuer": issuer,
        "account": account,
        "code": params["code"],
        "exp": _integer(params["exp"], "exp"),
    }


def is_loopback_host(host: str) -> bool:
    """``localhost``, an address in ``127.0.0.0/8``, or ``::1``."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return address in ipaddress.IPv4Network("127.0.0.0/8")
    return address == ipaddress.IPv6Address("::1")


def check_idp_url(url: str, *, allow_insecure_http: bool = False) -> None:
    """Refuse (:class:`UriInvalid`) an IdP URL that is not https nor loopback http."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise UriInvalid("the IdP url is not a URL") from None
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and host:
        # Security: plain http would expose the activation code and let anyone on the path
        # substitute their own JWKS; only a loopback IdP (a developer's machine) or an explicit
        # opt-in (a tester's --allow-insecure-http) may use it.
        if is_loopback_host(host) or allow_insecure_http:
            return
        raise UriInvalid("the IdP url uses plain http to a non-loopback host")
    raise UriInvalid("the IdP url must be https")
