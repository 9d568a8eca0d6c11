"""Base classes of the wire messages.

:class:`WireObject` is every JSON object of the protocol: unknown members are refused
(``extra="forbid"``) and instances are immutable. :class:`WireModel` is a top-level body: it also
carries the protocol version ``v`` and parses itself from JSON with typed errors.

:class:`ProtocolMessage` is a message that travels as a compact JWS (see :mod:`shared.jws`): it
has a ``typ`` claim (``message_type``), a JOSE ``typ`` header (``media_type``), ``iat`` and
``exp`` in integer Unix seconds, an ``aud``, and a maximum lifetime the model enforces.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from shared.errors import MessageMalformed, validation_detail
from shared.messages.fields import UnixTime, Version
from shared.strict_json import loads_object
from shared.timing import from_unix_time
from shared.version import PROTOCOL_VERSION, require_supported_version

__all__ = ["ProtocolMessage", "WireModel", "WireObject"]


class WireObject(BaseModel):
    """A JSON object of the protocol: strict per field, closed, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_max_length=4096,  # a backstop; every field declares its own, smaller, bound
        use_attribute_docstrings=True,
    )

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON-ready form, as it travels (members left at ``None`` are omitted)."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self) -> str:
        """Compact JSON with sorted members: the body to send."""
        return json.dumps(
            self.to_json_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )


class WireModel(WireObject):
    """A top-level body of the protocol: a :class:`WireObject` that states its version."""

    v: Version = PROTOCOL_VERSION
    """Protocol version; receivers refuse versions newer than theirs (unsupported_version)."""

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> Self:
        """Parse a received body (raw JSON, or an already decoded object).

        Raises :class:`MessageTooLarge`, :class:`UnsupportedVersion` (checked before the
        shape) or :class:`MessageMalformed` (with the field errors in ``detail``). Prefer raw
        bytes: decoding them here also refuses duplicate members.
        """
        members = loads_object(data) if isinstance(data, str | bytes) else data
        if not isinstance(members, Mapping):
            raise MessageMalformed("a message must be a JSON object")
        require_supported_version(members)
        try:
            return cls.model_validate(dict(members))
        except ValidationError as exc:
            raise MessageMalformed(validation_detail(exc)) from None


class ProtocolMessage(WireModel):
    """A signed message: the claims of a compact ES256 JWS."""

    media_type: ClassVar[str]
    """The JOSE ``typ`` header, e.g. ``push-challenge+jwt`` (RFC 8725 §3.11 explicit typing)."""
    message_type: ClassVar[str]
    """The ``typ`` claim, e.g. ``push_challenge``; equal to the model's ``typ`` default."""
    max_lifetime: ClassVar[timedelta]
    """Largest ``exp - iat`` a sender may choose for this message type."""

    iat: UnixTime
    """Issued at, integer Unix seconds."""
    exp: UnixTime
    """Expires at, integer Unix seconds; refused from this second on (plus leeway)."""

    @model_validator(mode="after")
    def _lifetime_is_bounded(self) -> Self:
        if self.exp <= self.iat:
            raise ValueError("exp must be after iat")
        if self.exp - self.iat > self.max_lifetime.total_seconds():
            raise ValueError(
                f"exp - iat exceeds the {int(self.max_lifetime.total_seconds())} s maximum "
                f"lifetime of a {self.message_type}"
            )
        return self

    @property
    def issued_at(self) -> datetime:
        """``iat`` as an aware UTC datetime."""
        return from_unix_time(self.iat)

    @property
    def expires_at(self) -> datetime:
        """``exp`` as an aware UTC datetime."""
        return from_unix_time(self.exp)
