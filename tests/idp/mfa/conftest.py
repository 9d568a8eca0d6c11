"""Second-factor fixtures: a jasmin user with a device holding a known TOTP seed."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask

from idp.clock import FixedClock
from idp.extensions import db
from idp.mfa.totp import TotpParams, code_at
from idp.models import Device, Realm, User

SECRET = base64.b32encode(b"12345678901234567890").decode().rstrip("=")


@dataclass
class CodeDevice:
    device_id: str
    user_id: int
    secret: str
    params: TotpParams

    def code(self, clock: FixedClock, offset_steps: int = 0) -> str:
        step = int(clock.now().timestamp()) // self.params.period + offset_steps
        return code_at(self.secret, self.params, step)


def add_code_device(
    username: str = "camille.martin",
    realm: str = "jasmin",
    *,
    secret: str = SECRET,
    params: TotpParams | None = None,
    device_id: str = "dev-totp-1",
) -> CodeDevice:
    from datetime import UTC, datetime

    realm_row = db.session.scalar(db.select(Realm).where(Realm.slug == realm))
    user = db.session.scalar(
        db.select(User).where(User.realm_id == realm_row.id, User.username == username)
    )
    db.session.add(
        Device(
            id=device_id,
            user_id=user.id,
            name="Pixel",
            platform="headless",
            app_version="0.1",
            public_jwk={"kty": "EC"},
            jwk_thumbprint=device_id,
            enrolled_at=datetime(2026, 1, 1, tzinfo=UTC),
            totp_secret=secret,
            totp_parameters=(params or TotpParams()).as_dict(),
        )
    )
    db.session.commit()
    return CodeDevice(device_id, user.id, secret, params or TotpParams())


@pytest.fixture
def code_device(app: Flask) -> CodeDevice:
    with app.app_context():
        return add_code_device()


@pytest.fixture
def make_code_device(app: Flask) -> Callable[..., CodeDevice]:
    def make(**kwargs: object) -> CodeDevice:
        with app.app_context():
            return add_code_device(**kwargs)  # type: ignore[arg-type]

    return make


from tests.idp.device_api.conftest import make_uri  # noqa: E402, F401 - shared fixture
