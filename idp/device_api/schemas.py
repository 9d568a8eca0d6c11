"""Request and response bodies of the device API that are not protocol messages themselves.

The protocol messages travel as compact JWS strings inside these envelopes; their own
schemas are in ``shared.messages`` (and ``docs/schemas/``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.jws import MAX_TOKEN_BYTES

__all__ = ["COMPACT_JWS", "DecisionBody", "DecisionStatus", "EnrollBody"]

COMPACT_JWS = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
"""Three base64url segments: what the document can say of a compact JWS (docs/protocol.md §1)."""


class EnrollBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request: str = Field(
        min_length=5,
        max_length=MAX_TOKEN_BYTES,
        pattern=COMPACT_JWS,
        description="EnrollmentRequest, compact JWS signed by the new device key",
    )


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(
        min_length=5,
        max_length=MAX_TOKEN_BYTES,
        pattern=COMPACT_JWS,
        description="PushDecision, compact JWS signed by the device key",
    )


class DecisionStatus(BaseModel):
    challenge_id: str
    status: Literal["approved", "denied", "reported"]
