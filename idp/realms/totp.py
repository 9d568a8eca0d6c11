"""TOTP codes and the second-factor lock of a realm: the ``[totp]`` table.

Codes exist only where ``[push] offer_totp`` hands the app a seed at enrollment; these
settings say how the seed's codes look (RFC 6238: digits, period, algorithm), how much clock
drift is forgiven, where codes are offered at sign-in, and how wrong codes lock.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["SignInMethods", "TotpSettings"]

# At sign-in, for a user whose device has a seed:
# push_first: the push wait page, with « Utiliser un code de vérification » (default);
# totp_first: the code page, with « Envoyer une notification » as the alternative;
# totp_only: the code page, no push at sign-in.
SignInMethods = Literal["push_first", "totp_first", "totp_only"]


class TotpSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    digits: Literal[6, 8] = 6
    period: int = Field(30, ge=15, le=300, strict=True)
    algorithm: Literal["SHA1", "SHA256", "SHA512"] = "SHA1"
    # Steps accepted on each side of the current one (1 = ±30 s at the default period).
    drift: int = Field(1, ge=0, le=10, strict=True)
    sign_in: SignInMethods = "push_first"
    # Second-factor lock, shared by wrong codes and failed pushes of the same user: the first
    # ``lock_after`` failures are free, then each one waits ``lock_seconds`` doubled per
    # further failure, at most ``lock_max_seconds``.
    lock_after: int = Field(5, ge=1, le=100, strict=True)
    lock_seconds: int = Field(30, ge=1, le=3600, strict=True)
    lock_max_seconds: int = Field(3600, ge=1, le=86400, strict=True)
    # Failures older than this are forgotten even without a success.
    failure_window_seconds: int = Field(86400, ge=60, le=30 * 86400, strict=True)

    @model_validator(mode="after")
    def _lock_bounds(self) -> TotpSettings:
        if self.lock_max_seconds < self.lock_seconds:
            raise ValueError("lock_max_seconds: must be at least lock_seconds")
        return self
