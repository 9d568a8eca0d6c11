"""Request-level guards of the device API, run before any view (``docs/protocol.md`` §1, §7).

Each guard answers with the API's ``ErrorBody`` and a stable code, never an HTML page:

- a header field longer than the API allows -> 431 ``http_431`` (gunicorn's own, larger limit
  stays the memory guard: see ``idp/serve.py`` and docs/decisions.md);
- a call that needs a device but has no ``Authorization: Device ...`` -> 401
  ``device_auth_required`` with ``WWW-Authenticate: Device`` (RFC 9110 §11.6.1);
- a body bigger than the limit, declared or chunked -> 413 ``message_too_large``, read no further;
- a body that is not strict JSON (duplicate members, ``NaN``, nested deeper than
  ``shared.strict_json.MAX_DEPTH``, not an object) -> 400 ``message_malformed``;
- a ``wait`` query parameter that is not 0 to 30 seconds -> 400 ``message_malformed``.

Views read the parsed body with :func:`json_member`.
"""

from __future__ import annotations

from typing import Any, Final

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from idp.device_api.errors import error_response
from idp.errors import IdpError
from idp.push.errors import DeviceAuthRequired
from shared.errors import MessageMalformed, MessageTooLarge
from shared.jws import MAX_TOKEN_BYTES
from shared.messages.device_auth import AUTHORIZATION_SCHEME as AUTH_SCHEME
from shared.strict_json import MAX_BODY_BYTES, loads_object

__all__ = [
    "MAX_AUTHORIZATION_BYTES",
    "MAX_HEADER_BYTES",
    "MAX_WAIT_SECONDS",
    "PUBLIC_ENDPOINTS",
    "HeaderTooLarge",
    "body_limit",
    "install",
    "json_member",
]

MAX_HEADER_BYTES: Final = 8190
"""Longest header field (name, ": " and value) the API reads: gunicorn's historical default."""
MAX_AUTHORIZATION_BYTES: Final = len(AUTH_SCHEME) + 1 + MAX_TOKEN_BYTES
"""``Authorization: Device <token>`` carries a whole device-signed token (at most 16 KiB)."""
MAX_WAIT_SECONDS: Final = 30
# Decisions are their own credential (protocol v2): signed by the device key, single use.
PUBLIC_ENDPOINTS: Final = frozenset(
    {"device_api.enroll", "device_api.jwks", "device_api.decisions"}
)
"""The calls that carry no device token; every other device API call needs one."""

_BODY_KEY: Final = "device_api_body"


class HeaderTooLarge(IdpError):
    """A header field is longer than the API reads (431, not 413: the body is not at fault)."""

    code, status = "http_431", 431


def _check_headers() -> None:
    for name, value in request.headers.items():
        limit = MAX_AUTHORIZATION_BYTES if name.lower() == "authorization" else MAX_HEADER_BYTES
        if len(name) + 2 + len(value) > limit:
            raise HeaderTooLarge(f"the {name} header is longer than {limit} bytes")


def _check_authorization() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != AUTH_SCHEME.lower() or not token.strip():
        raise DeviceAuthRequired(f"this call needs 'Authorization: {AUTH_SCHEME} <token>'")


def body_limit() -> int:
    configured = current_app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY_BYTES
    return min(int(configured), MAX_BODY_BYTES)


_CHUNK = 65536


def _read_body(limit: int) -> bytes:
    """At most ``limit`` bytes of the body, declared (Content-Length) or chunked."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise MessageTooLarge(f"the body exceeds {limit} bytes")
    if declared is not None and declared <= _CHUNK:  # the usual case: one read, of that length
        try:
            return request.stream.read(declared)
        except RequestEntityTooLarge:  # pragma: no cover - declared is under werkzeug's cap
            raise MessageTooLarge(f"the body exceeds {limit} bytes") from None
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := request.stream.read(min(_CHUNK, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise MessageTooLarge(f"the body exceeds {limit} bytes")
    except RequestEntityTooLarge:  # werkzeug's own cap on a chunked stream
        raise MessageTooLarge(f"the body exceeds {limit} bytes") from None
    return b"".join(chunks)


def _parse_body() -> None:
    if request.method not in {"POST", "PUT", "PATCH"}:
        return
    limit = body_limit()
    raw = _read_body(limit)
    if not request.is_json:
        raise MessageMalformed("expected Content-Type: application/json")
    g.setdefault(_BODY_KEY, loads_object(raw, what="request body", max_bytes=limit))


def _check_wait() -> None:
    wait = request.args.get("wait")
    if wait is None:
        return
    # Digits only: int() would also take " 7", "+7", "0_7" and "٧".
    if not (wait.isascii() and wait.isdigit()) or int(wait) > MAX_WAIT_SECONDS:
        raise MessageMalformed(f"wait: a whole number of seconds, 0 to {MAX_WAIT_SECONDS}")


def json_member(key: str) -> str:
    """The non-empty string member ``key`` of the (already strictly parsed) JSON body."""
    data: Any = g.get(_BODY_KEY)
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise MessageMalformed(f"expected a JSON object with a string member {key!r}")
    return value


def install(bp: Blueprint) -> None:
    @bp.errorhandler(HeaderTooLarge)
    def _header(exc: HeaderTooLarge) -> Response:
        return error_response(exc.code, exc.detail, exc.status)

    @bp.before_request
    def _guard() -> Response | None:
        _check_headers()
        if request.method == "OPTIONS":  # answered by Flask: no credentials, no body
            return None
        _check_authorization()
        _parse_body()
        _check_wait()
        return None
