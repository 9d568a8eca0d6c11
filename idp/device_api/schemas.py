"""Request and response bodies of the device API that are not protocol messages themselves.

The protocol messages travel as compact JWS strings inside these envelopes; their own
schemas are in ``shared.messages`` (and ``docs/schemas/``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.jws import MAX_TOKEN_BYTES

__all__ = ["DecisionBody", "DecisionStatus", "EnrollBody"]

Token = Field(min_length=1, max_length=MAX_TOKEN_BYTES)


class EnrollBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request: str = Field(
        min_length=1,
        max_length=MAX_TOKEN_BYTES,
        description="EnrollmentRequest, compact JWS signed by the new device key",
    )


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(
        min_length=1,
        max_length=MAX_TOKEN_BYTES,
        description="PushDecision, compact JWS signed by the device key",
    )


class DecisionStatus(BaseModel):
    challenge_id: str
    status: Literal["approved", "denied", "reported"]
