"""One-time codes (RFC 4226 HOTP, RFC 6238 TOTP) computed with pyotp.

TOTP codes depend only on the injected time. An HOTP code consumes its counter: the caller
stores :attr:`OtpCode.next_parameters` (the counter moved on) before showing the code, as
authenticator apps do, so a code is never shown twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import pyotp

from authenticator_app.core.accounts import OtpAlgorithm, OtpParameters
from shared.timing import require_aware

__all__ = ["OtpCode", "generate_code", "hotp_code", "totp_code"]

_DIGESTS: Final[dict[OtpAlgorithm, Callable[..., object]]] = {
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
}


@dataclass(frozen=True, slots=True)
class OtpCode:
    """A code, and for TOTP how long it stays valid."""

    code: str
    type: str
    period: int | None = None
    """TOTP: seconds per code."""
    remaining: int | None = None
    """TOTP: whole seconds until the next code."""
    next_parameters: OtpParameters | None = None
    """HOTP: the parameters with the counter moved on (store them before showing the code)."""


def totp_code(params: OtpParameters, now: datetime) -> OtpCode:
    """The TOTP code at ``now`` (RFC 6238)."""
    moment = require_aware(now).timestamp()
    totp = pyotp.TOTP(
        params.secret,
        digits=params.digits,
        digest=_DIGESTS[params.algorithm],
        interval=params.period,
    )
    step_start = int(moment // params.period) * params.period
    remaining = max(1, int(step_start + params.period - moment))
    return OtpCode(
        code=totp.at(int(moment)), type="totp", period=params.period, remaining=remaining
    )


def hotp_code(params: OtpParameters) -> OtpCode:
    """The HOTP code for the stored counter (RFC 4226) and the parameters to store next."""
    hotp = pyotp.HOTP(params.secret, digits=params.digits, digest=_DIGESTS[params.algorithm])
    return OtpCode(
        code=hotp.at(params.counter),
        type="hotp",
        next_parameters=params.model_copy(update={"counter": params.counter + 1}),
    )


def generate_code(params: OtpParameters, now: datetime) -> OtpCode:
    """The current code of either type."""
    if params.type == "hotp":
        return hotp_code(params)
    return totp_code(params, now)
