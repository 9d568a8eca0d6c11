"""TOTP codes (RFC 6238) from the authenticator app, verified at the IdP.

Security decisions:
- Every candidate step within the drift is computed and compared in constant time, with no
  early exit, so the time taken says nothing about which step (if any) matched.
- Single use: the device keeps the last accepted time step; a code for that step or an
  earlier one is refused (``totp_replayed``). Acceptance is one conditional UPDATE
  (``totp_last_step IS NULL OR totp_last_step < :step``), so two concurrent submissions of
  the same code cannot both win, on SQLite as on PostgreSQL.
- Wrong and replayed codes count towards the user's second-factor lock (idp.mfa.lock),
  checked before any comparison; each attempt is audited with its reason.
- A device keeps the parameters it was given at enrollment, so changing a realm's settings
  does not break the devices already enrolled.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyotp
from sqlalchemy import bindparam, or_, update
from sqlalchemy.orm.attributes import set_committed_value

from idp.audit.service import ClientInfo, record_now
from idp.extensions import db
from idp.mfa import lock
from idp.mfa.errors import CodeInvalid, CodeReplayed, NoCodeDevice
from idp.models import Device, User
from idp.prepared import Loader, Prepared
from idp.realms.store import preset_of
from idp.realms.totp import TotpSettings

__all__ = [
    "Accepted",
    "TotpParams",
    "active_devices",
    "code_at",
    "code_devices",
    "matching_steps",
    "new_secret",
    "normalize",
    "verify_code",
]

_DIGESTS: dict[str, Any] = {"SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}


@dataclass(frozen=True)
class TotpParams:
    digits: int = 6
    period: int = 30
    algorithm: str = "SHA1"

    @classmethod
    def of_realm(cls, settings: TotpSettings) -> TotpParams:
        return cls(settings.digits, settings.period, settings.algorithm)

    @classmethod
    def of_device(cls, device: Device, fallback: TotpSettings) -> TotpParams:
        stored = device.totp_parameters
        if not stored:
            return cls.of_realm(fallback)
        return cls(int(stored["digits"]), int(stored["period"]), str(stored["algorithm"]))

    def as_dict(self) -> dict[str, Any]:
        return {"digits": self.digits, "period": self.period, "algorithm": self.algorithm}


@dataclass(frozen=True)
class Accepted:
    device: Device
    step: int


def new_secret(rng: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """160 bits of seed (RFC 4226 §4 recommends it), Base32 without padding."""
    return base64.b32encode(rng(20)).decode("ascii").rstrip("=")


def _hotp(secret: str, params: TotpParams) -> pyotp.HOTP:
    digest = getattr(hashlib, _DIGESTS[params.algorithm])
    return pyotp.HOTP(secret, digits=params.digits, digest=digest)


def code_at(secret: str, params: TotpParams, step: int) -> str:
    return _hotp(secret, params).at(step)


def normalize(code: str) -> str:
    """What the user typed, without the spaces and dashes apps put in the middle."""
    return "".join(ch for ch in code if ch not in " \t-\u00a0\u202f")


def matching_steps(
    secret: str, code: str, params: TotpParams, *, now: datetime, drift: int
) -> list[int]:
    """The time steps within ``drift`` of ``now`` whose code is ``code`` (constant time)."""
    current = int(now.timestamp()) // params.period
    hotp = _hotp(secret, params)
    found: list[int] = []
    for step in range(current - drift, current + drift + 1):
        # Compare every candidate: no early exit.
        if secrets.compare_digest(hotp.at(step).encode(), code.encode()):
            found.append(step)
    return found


def code_devices(user: User, devices: Sequence[Device] | None = None) -> list[Device]:
    """The user's active devices that have a TOTP seed (from ``devices``, the user's active
    devices, when the caller already loaded them)."""
    if devices is None:
        devices = active_devices(user)
    return [d for d in devices if d.totp_secret is not None]


def active_devices(user: User) -> list[Device]:
    """The user's devices that are not revoked, oldest first (one statement, built once)."""
    return _ACTIVE_DEVICES.all(db.session, {"user_id": user.id})


# The hot path's statements are built once (no construction per request); the claim runs on
# the session's connection, in its transaction.
_ACTIVE_DEVICES = Loader(
    Device,
    Device.user_id == bindparam("user_id"),
    Device.revoked_at.is_(None),
    order_by=(Device.enrolled_at,),
)
_DEVICE = Device.__table__.c
_CLAIM = Prepared(
    update(Device.__table__)
    .where(
        _DEVICE.id == bindparam("device_id"),
        or_(_DEVICE.totp_last_step.is_(None), _DEVICE.totp_last_step < bindparam("step")),
    )
    .values(totp_last_step=bindparam("step"))
)


def _claim(device: Device, step: int) -> bool:
    """Move the device's last step forward to ``step`` unless something already passed it."""
    moved = _CLAIM.run(db.session.connection(), {"device_id": device.id, "step": step})
    if moved != 1:
        return False
    set_committed_value(device, "totp_last_step", step)  # what the row now holds
    return True


def verify_code(
    user: User,
    code: str,
    *,
    now: datetime,
    client: ClientInfo | None,
    purpose: str,
    devices: Sequence[Device] | None = None,
) -> Accepted:
    """Accept ``code`` once for ``user`` or raise (the caller commits either way).

    ``devices``: the user's active devices when the caller already loaded them.

    Raises SecondFactorLocked before looking at the code, NoCodeDevice, CodeReplayed or
    CodeInvalid; every outcome is audited as ``totp_verify``.
    """
    state = lock.check_unlocked(user, now=now)
    settings = preset_of(user.realm).totp
    code = normalize(code)
    devices = code_devices(user, devices)
    if not devices:
        lock.note_failure(user, now=now, client=client, method="totp", reason="no_device")
        raise NoCodeDevice("no device with codes")
    replayed = False
    for device in devices:
        secret = device.totp_secret
        if secret is None:
            continue
        params = TotpParams.of_device(device, settings)
        if len(code) != params.digits or not code.isdigit():
            continue
        steps = matching_steps(secret, code, params, now=now, drift=settings.drift)
        for step in sorted(steps, reverse=True):
            if _claim(device, step):
                if state.failures:  # nothing to reset otherwise: spare the writes
                    lock.note_success(user, now=now)
                record_now(
                    "totp_verify",
                    "success",
                    now=now,
                    realm=user.realm.slug,
                    actor=user.username,
                    user_id=user.id,
                    client=client,
                    details={"device_id": device.id, "purpose": purpose, "step": step},
                )
                return Accepted(device, step)
        replayed = replayed or bool(steps)
    if replayed:
        lock.note_failure(user, now=now, client=client, method="totp", reason="totp_replayed")
        raise CodeReplayed("this code was already used")
    lock.note_failure(user, now=now, client=client, method="totp", reason="totp_invalid")
    raise CodeInvalid("wrong code")
