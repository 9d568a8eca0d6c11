"""Device authentication: a short-lived JWT on every device API call, like DPoP (RFC 9449).

Signed by the device key (``kid`` = device id), bound to one request by ``htm`` (method) and
``htu`` (path), single use by ``jti``. It travels as ``Authorization: Device <jws>``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, ClassVar, Final, Literal, Self

from pydantic import StringConstraints, model_validator

from shared.errors import MessageMalformed
from shared.messages.base import ProtocolMessage
from shared.messages.fields import HttpUrl, Identifier, Jti, UrlPath

__all__ = [
    "AUTHORIZATION_SCHEME",
    "DeviceAuthToken",
    "authorization_header",
    "token_from_authorization",
]

AUTHORIZATION_SCHEME: Final = "Device"
HttpMethod = Annotated[str, StringConstraints(strict=True, max_length=7, pattern=r"^[A-Z]{3,7}$")]


class DeviceAuthToken(ProtocolMessage):
    """Proof that a device API request comes from the enrolled device, now."""

    media_type: ClassVar[str] = "device-auth+jwt"
    message_type: ClassVar[str] = "device_auth"
    max_lifetime: ClassVar[timedelta] = timedelta(seconds=120)

    typ: Literal["device_auth"] = "device_auth"
    iss: Identifier
    """The device id."""
    sub: Identifier
    """The device id (equal to ``iss``)."""
    aud: HttpUrl
    """The realm URL, ``{idp base url}/realms/{realm}``."""
    jti: Jti
    """Unique id; the IdP accepts each at most once (remember them until ``exp`` + leeway)."""
    htm: HttpMethod
    """HTTP method of the request, upper case."""
    htu: UrlPath
    """Path of the request (no scheme, host, query or fragment)."""

    @model_validator(mode="after")
    def _subject_is_the_issuer(self) -> Self:
        if self.sub != self.iss:
            raise ValueError("sub must equal iss (the device id)")
        return self

    def matches_request(self, method: str, path: str) -> bool:
        """Whether the token was made for this request (method and path, exactly)."""
        return self.htm == method.upper() and self.htu == path


def authorization_header(token: str) -> str:
    """The ``Authorization`` header value carrying a device auth token."""
    return f"{AUTHORIZATION_SCHEME} {token}"


def token_from_authorization(value: str | None) -> str:
    """The token in an ``Authorization: Device <jws>`` header; :class:`MessageMalformed` else."""
    scheme, _, token = (value or "").strip().partition(" ")
    if scheme.lower() != AUTHORIZATION_SCHEME.lower() or not token.strip():
        raise MessageMalformed(f"expected 'Authorization: {AUTHORIZATION_SCHEME} <token>'")
    return token.strip()
