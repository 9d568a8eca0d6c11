"""The push decision (device -> IdP), signed by the device key (``kid`` = device id)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, model_validator

from shared.errors import MessageMalformed
from shared.messages.base import ProtocolMessage
from shared.messages.fields import HttpUrl, Identifier, Jti, MatchingMode, Nonce

__all__ = ["Decision", "PushDecision"]

Decision = Literal["approve", "deny", "report"]


class PushDecision(ProtocolMessage):
    """The user's answer to one challenge. ``report`` is "Non, ce n'est pas moi"."""

    media_type: ClassVar[str] = "push-decision+jwt"
    message_type: ClassVar[str] = "push_decision"
    max_lifetime: ClassVar[timedelta] = timedelta(minutes=5)

    typ: Literal["push_decision"] = "push_decision"
    challenge_id: Identifier
    decision: Decision
    number: Annotated[int, Field(strict=True, ge=0, le=99)] | None = None
    """The number the user typed or chose; only with ``approve``."""
    nonce: Nonce
    """The challenge's nonce, echoed."""
    iss: Identifier
    """The device id."""
    aud: HttpUrl
    """The realm URL, ``{idp base url}/realms/{realm}``."""
    jti: Jti
    """Unique id; the IdP accepts each at most once."""

    @model_validator(mode="after")
    def _number_only_with_approve(self) -> Self:
        if self.decision != "approve" and self.number is not None:
            raise ValueError(f"a {self.decision} decision carries no number")
        return self

    def check_matching_mode(self, mode: MatchingMode) -> None:
        """Check what the IdP can check from the mode alone (raises :class:`MessageMalformed`).

        An approval needs a number in ``typed`` and ``choose`` modes and none in ``none`` mode.
        Whether the number is the right one is the IdP's decision (constant-time compare against
        the stored number; in ``choose`` mode a number outside the choices is simply wrong).
        """
        if self.decision != "approve":
            return
        if mode == "none" and self.number is not None:
            raise MessageMalformed("matching mode none takes no number")
        if mode != "none" and self.number is None:
            raise MessageMalformed(f"matching mode {mode} needs the number")
