"""Delivery: hints on the SSE stream, and the ``pending`` catch-up list.

The stream carries only a :class:`ChallengeHint` (never the challenge): the device then fetches
``pending`` (a :class:`PendingList` of signed challenges) and verifies each one. A device that
reconnects catches up from ``pending`` alone.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field, StringConstraints

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
    """``challenge``: fetch pending; ``superseded``/``decided``/``expired``: drop it."""


class PendingList(WireModel):
    """The device's pending challenges, each a compact JWS to verify before use."""

    challenges: Annotated[list[CompactToken], Field(max_length=MAX_PENDING)]
