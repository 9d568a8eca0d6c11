"""Push (number matching) and TOTP settings of a realm: the ``[push]`` table."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MatchingMode", "PushSettings"]

# typed: the browser shows a 2-digit number the user types in the app (seed 000, Entra);
# choose: the app offers 3 numbers, one is right (Okta); none: approve/deny only.
MatchingMode = Literal["typed", "choose", "none"]


class PushSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(False, strict=True)
    # Ask for a push approval after the password at sign-in, for users with a device.
    sign_in_second_factor: bool = Field(False, strict=True)
    matching_mode: MatchingMode = "typed"
    challenge_ttl_seconds: int = Field(60, ge=10, le=600, strict=True)
    # Push-bombing cap: at most max_challenges per user within window_seconds.
    max_challenges: int = Field(5, ge=1, le=100, strict=True)
    window_seconds: int = Field(900, ge=10, le=86400, strict=True)
    # After "Non, ce n'est pas moi", push-based recovery stays blocked this long (0: never).
    report_blocks_recovery_seconds: int = Field(86400, ge=0, le=30 * 86400, strict=True)
    # Enrollment also hands the app a TOTP secret.
    offer_totp: bool = Field(False, strict=True)
