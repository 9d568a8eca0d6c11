"""The OpenAPI 3.1 document of the device API (spectree), served at /api/device/openapi.json.

It describes the device API only (``mode="strict"``: routes decorated with ``api.validate``),
with the ``Device`` security scheme, every error status each call really answers with (and
the codes behind it), the long-poll ``wait`` parameter and the event stream. Views are
documented with ``skip_validation=True``: they validate with the protocol models themselves
(and ``idp.device_api.limits``) so that every failure is an ``ErrorBody`` with a stable code.
A schemathesis run against a live server checks the document against the behaviour
(``tests/e2e/test_device_api_schemathesis.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType

from idp.device_api.limits import MAX_HEADER_BYTES, MAX_WAIT_SECONDS
from shared.messages import ErrorBody
from shared.strict_json import MAX_DEPTH

__all__ = [
    "BODY_ERRORS",
    "DEVICE",
    "DEVICE_ERRORS",
    "PUBLIC",
    "PendingQuery",
    "api",
    "error_responses",
]

DEVICE: Final[dict[str, list[str]]] = {"Device": []}
"""Per-operation security: ``Authorization: Device <DeviceAuthToken JWS>``."""
PUBLIC: Final[dict[str, list[str]]] = {}
"""Per-operation security: none (``enroll``, ``jwks``)."""

_STATUS_WORDS: Final = {
    400: "the request is malformed",
    401: "no acceptable device credentials (see WWW-Authenticate)",
    404: "not found",
    409: "conflict with the current state",
    410: "gone",
    413: "the body is too large",
    422: "the decision does not match the challenge",
    429: "too many requests from this client (see Retry-After)",
    431: "a header field is too large",
}

ErrorGroup = dict[int, tuple[str, ...]]

COMMON_ERRORS: Final[ErrorGroup] = {404: ("http_404",), 431: ("http_431",)}
"""Every call: an unknown realm (404) or an oversized header (431)."""
DEVICE_ERRORS: Final[ErrorGroup] = {
    400: ("message_malformed",),
    401: (
        "device_auth_required",
        "device_unknown",
        "device_revoked",
        "token_replayed",
        "token_wrong_request",
        "algorithm_not_allowed",
        "unknown_key",
        "signature_invalid",
        "audience_invalid",
        "issuer_invalid",
        "message_expired",
        "message_not_yet_valid",
    ),
}
"""A call authenticated by a device token."""
BODY_ERRORS: Final[ErrorGroup] = {
    400: ("message_malformed", "message_type_invalid", "unsupported_version", "key_invalid"),
    413: ("message_too_large",),
}
"""A call with a JSON body carrying a signed message."""


def error_responses(*groups: ErrorGroup) -> dict[str, tuple[type[ErrorBody], str]]:
    """spectree ``Response`` arguments for error statuses, each naming its possible codes."""
    merged: dict[int, list[str]] = {}
    for group in (COMMON_ERRORS, *groups):
        for status, codes in group.items():
            merged.setdefault(status, [])
            merged[status] += [code for code in codes if code not in merged[status]]
    return {
        f"HTTP_{status}": (
            ErrorBody,
            f"{_STATUS_WORDS[status]}; `error` is one of: " + ", ".join(f"`{c}`" for c in codes),
        )
        for status, codes in sorted(merged.items())
    }


class PendingQuery(BaseModel):
    model_config = ConfigDict(extra="allow")
    wait: int = Field(
        0,
        ge=0,
        le=MAX_WAIT_SECONDS,
        description=(
            "Long-poll: answer as soon as a challenge is pending, or after this many seconds "
            "with an empty list. Digits only."
        ),
    )


_EVENT_STREAM: Final = {
    "description": (
        "A text/event-stream: `retry: 2000` and `: connected` first, then `event: hint` with "
        "`data: <ChallengeHint JSON>` per challenge event and `: ping` heartbeats (15 s). The "
        "stream ends after 5 minutes so that the device authenticates again."
    ),
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}
_HEADERS: Final = {
    "401": {
        "WWW-Authenticate": {
            "description": 'Device realm="<slug>"[, error="<code>"]',
            "required": True,
            "schema": {"type": "string"},
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "required": True,
            "schema": {"type": "string"},
        }
    },
}
_SLUG: Final = {
    "description": "The realm (its slug)",
    "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,39}$"},
    "example": "jasmin",
}


def _operations(spec: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _finish(spec: dict[str, Any]) -> dict[str, Any]:
    """What spectree cannot say from the decorators alone."""
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        # Views skip spectree's validation: its 422 ValidationError never happens.
        for status, response in list(responses.items()):
            ref = str(response.get("content", {}).get("application/json", {}).get("schema"))
            if "ValidationError" in ref:
                del responses[status]
        for status, headers in _HEADERS.items():
            if status in responses:
                responses[status]["headers"] = headers
        for parameter in operation["parameters"]:
            if parameter["in"] == "path" and parameter["name"] == "slug":
                parameter.update(_SLUG)
        if path.endswith("/events") and method == "get":
            responses["200"] = _EVENT_STREAM
    schemas = spec["components"]["schemas"]
    for name in [name for name in schemas if name.startswith("ValidationError")]:
        del schemas[name]
    return spec


class _DeviceApiSpec(SpecTree):
    def _generate_spec(self) -> dict[str, Any]:
        return _finish(super()._generate_spec())


api = _DeviceApiSpec(
    "flask",
    title="IdP device API",
    version="v1",
    path="api/device",
    mode="strict",
    description=(
        "Enrollment of authenticator apps and signed push challenges with number matching. "
        "Messages are ES256 compact JWS; see docs/protocol.md. Bodies are strict JSON: "
        "duplicate members, NaN and nesting deeper than "
        f"{MAX_DEPTH} levels are refused; a body is at most 64 KiB, a header field at most "
        f"{MAX_HEADER_BYTES} bytes (Authorization: one device token, at most 16 KiB)."
    ),
    security_schemes=[
        SecurityScheme(
            name="Device",
            data=SecuritySchemeData(
                type=SecureType.HTTP,
                scheme="Device",
                description=(
                    "`Authorization: Device <DeviceAuthToken>`: a compact JWS signed by the "
                    "device key, made for exactly this method and path, used once "
                    "(docs/protocol.md 4.4)."
                ),
            ),
        )
    ],
    security=DEVICE,
)
