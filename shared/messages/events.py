"""Delivery: events on the SSE stream, and the ``pending`` catch-up list.

Since protocol version 2 a ``challenge`` event carries the signed challenge itself (``challenge``,
a compact JWS made for this device): the device verifies it and answers, with no other request.
``pending`` (a :class:`PendingList` of signed challenges) is the catch-up after a (re)connection:
events sent while the stream was down are lost, the pending list is not.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from shared.compact import MAX_TOKEN_BYTES
from shared.messages.base import WireModel
from shared.messages.fields import Identifier

__all__ = ["MAX_PENDING", "ChallengeHint", "HintEvent", "PendingList"]

MAX_PENDING: Final = 32
HintEvent = Literal["challenge", "superseded", "decided", "expired"]
# A compact JWS: three base64url segments.
CompactToken = Annotated[
    str,
    StringConstraints(
        strict=True,
        max_length=MAX_TOKEN_BYTES,
        pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
    ),
]


class ChallengeHint(WireModel):
    """An SSE ``data:`` payload: something happened to a challenge for this device."""

    challenge_id: Identifier
    event: HintEvent
    """``challenge``: a new challenge (in ``challenge``); ``superseded``/``decided``/``expired``:
    drop it."""
    challenge: CompactToken | None = None
    """With ``event`` = ``challenge``: the signed :class:`~shared.messages.PushChallenge` for this
    device, to verify against the pinned JWKS like any copy from ``pending``. Absent otherwise."""

    @model_validator(mode="after")
    def _challenge_only_with_its_event(self) -> Self:
        if (self.event == "challenge") != (self.challenge is not None):
            raise ValueError("a challenge event carries the signed challenge, and only it does")
        return self


class PendingList(WireModel):
    """The device's pending challenges, each a compact JWS to verify before use."""

    challenges: Annotated[list[CompactToken], Field(max_length=MAX_PENDING)]
