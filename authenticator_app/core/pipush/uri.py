"""privacyIDEA's push enrollment URI (step 1 of its two-step enrollment)::

    otpauth://pipush/LABEL?url=URL&ttl=10&issuer=ISSUER&enrollment_credential=HEX&v=1
        &serial=PIPU...&sslverify=0|1&poll_only=True|False

``pia://pipush/...`` is the same with privacyIDEA's app scheme. ``url`` is where the device
registers, polls and answers (``.../ttype/push``): https, or http to a loopback host (or anywhere
with ``allow_insecure_http``). ``v`` must be 1. ``ttl`` (minutes) is how long the server waits for
step 2; the URI carries no issue time, so the server is the one that enforces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, unquote, urlsplit

from authenticator_app.core.errors import (
    UriInsecure,
    UriInvalid,
    UriUnsupported,
    UriVersionUnsupported,
)
from shared.messages.enrollment_uri import is_loopback_host

__all__ = ["PIPUSH_VERSION", "PiPushOffer", "is_pipush_uri", "parse_pipush_uri"]

PIPUSH_VERSION: Final = 1
_MAX_URI: Final = 4096
_CREDENTIAL = re.compile(r"[0-9a-fA-F]{16,128}")
_SERIAL = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TRUE: Final = frozenset({"1", "true", "yes"})
_FALSE: Final = frozenset({"0", "false", "no"})


@dataclass(frozen=True, slots=True)
class PiPushOffer:
    label: str
    issuer: str
    url: str
    serial: str
    enrollment_credential: str
    ttl_minutes: int
    sslverify: bool
    poll_only: bool


def is_pipush_uri(uri: str) -> bool:
    """Whether ``uri`` claims to be a privacyIDEA push enrollment URI."""
    return uri.strip().lower().startswith(("otpauth://pipush/", "pia://pipush/"))


def _flag(params: dict[str, str], name: str, default: bool) -> bool:
    value = params.get(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise UriInvalid(f"the {name} parameter must be true or false")


def _query(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict", max_num_fields=32)
    except (ValueError, UnicodeDecodeError):
        raise UriInvalid("malformed query string") from None
    for name, value in pairs:
        if name in params:
            raise UriInvalid(f"the {name} parameter appears twice")
        params[name] = value
    return params


def _checked_url(url: str, *, allow_insecure_http: bool) -> str:
    target = urlsplit(url)
    if target.scheme not in {"https", "http"} or not target.hostname:
        raise UriInvalid("the url parameter is not an http(s) URL")
    if target.scheme == "http" and not (is_loopback_host(target.hostname) or allow_insecure_http):
        raise UriInsecure("privacyIDEA's url uses plain http to a non-loopback host")
    return url


def parse_pipush_uri(uri: str, *, allow_insecure_http: bool = False) -> PiPushOffer:
    """The checked offer (:class:`UriInvalid`, :class:`UriUnsupported`, :class:`UriInsecure`,
    :class:`UriVersionUnsupported`)."""
    text = uri.strip()
    if len(text) > _MAX_URI or _CONTROL.search(text):
        raise UriInvalid("the URI is too long or contains control characters")
    parts = urlsplit(text)
    if parts.scheme.lower() not in {"otpauth", "pia"} or parts.netloc.lower() != "pipush":
        raise UriUnsupported("not a privacyIDEA push URI")
    params = _query(parts.query)
    version = params.get("v", "")
    if version != str(PIPUSH_VERSION):
        if version.isdigit():
            raise UriVersionUnsupported(f"privacyIDEA push URI version {version}")
        raise UriInvalid("the v parameter is missing or not a number")
    serial = params.get("serial", "")
    if _SERIAL.fullmatch(serial) is None:
        raise UriInvalid("the serial parameter is missing or malformed")
    credential = params.get("enrollment_credential", "")
    if _CREDENTIAL.fullmatch(credential) is None:
        raise UriInvalid("the enrollment_credential parameter is missing or malformed")
    url = _checked_url(params.get("url", ""), allow_insecure_http=allow_insecure_http)
    ttl = params.get("ttl", "10")
    if not ttl.isdigit() or not 0 < int(ttl) <= 7 * 24 * 60:
        raise UriInvalid("the ttl parameter must be a number of minutes")
    label = unquote(parts.path.removeprefix("/")).strip() or serial
    if _CONTROL.search(label) or len(label) > 512:
        raise UriInvalid("the label is too long or contains control characters")
    issuer = params.get("issuer", "privacyIDEA").strip()[:256]
    return PiPushOffer(
        label=label,
        issuer=issuer,
        url=url,
        serial=serial,
        enrollment_credential=credential,
        ttl_minutes=int(ttl),
        sslverify=_flag(params, "sslverify", True),
        poll_only=_flag(params, "poll_only", False),
    )
