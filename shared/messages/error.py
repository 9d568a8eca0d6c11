"""The error body every JSON endpoint of the protocol answers with."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import StringConstraints

from shared.errors import ProtocolError
from shared.messages.base import WireModel

__all__ = ["ErrorBody"]

ErrorCode = Annotated[
    str, StringConstraints(strict=True, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
]


class ErrorBody(WireModel):
    """``{"error": code, "message": text, "v": 1}``: ``error`` is a stable code to branch on
    (the protocol's codes, and the IdP's own such as ``challenge_expired``); ``message`` is for
    humans and may be translated."""

    error: ErrorCode
    message: Annotated[str, StringConstraints(strict=True, max_length=1024)] = ""

    @classmethod
    def from_error(cls, error: ProtocolError) -> Self:
        return cls(error=error.code, message=error.detail[:1024])
