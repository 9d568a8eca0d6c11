"""Fixtures of the authenticator tests: a cheap KDF, a vault, a realm, a running fake IdP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from authenticator_app.core.accounts import Account
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.push_service import PushService
from authenticator_app.core.vault import Vault
from authenticator_app.core.vault_crypto import KdfParams
from tests.authenticator_app.factories import Realm
from tests.authenticator_app.fake_idp import FakeIdp

FAST_KDF = KdfParams(log2_n=4, r=1, p=1)
PIN = "246813"


@pytest.fixture
def fast_kdf() -> KdfParams:
    return FAST_KDF


@pytest.fixture
def clock(fixed_now: datetime) -> FixedClock:
    return FixedClock(fixed_now)


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "vault.bin"


@pytest.fixture
def vault(vault_path: Path) -> Vault:
    return Vault.create(vault_path, PIN, kdf=FAST_KDF)


@pytest.fixture
def realm() -> Realm:
    return Realm()


@pytest.fixture
def idp() -> Iterator[FakeIdp]:
    fake = FakeIdp().start()
    yield fake
    fake.stop()


@pytest.fixture
def make_idp() -> Iterator[type[FakeIdp]]:
    started: list[FakeIdp] = []

    class Started(FakeIdp):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(**kwargs)  # type: ignore[arg-type]
            self.start()
            started.append(self)

    yield Started
    for fake in started:
        fake.stop()


@pytest.fixture
def live_clock() -> FixedClock:
    """A controllable clock starting at the real time, shared by a fake IdP and the client."""
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def timed_idp(live_clock: FixedClock) -> Iterator[FakeIdp]:
    fake = FakeIdp(clock=live_clock).start()
    yield fake
    fake.stop()


@pytest.fixture
def enroller(vault: Vault, live_clock: FixedClock) -> Enroller:
    return Enroller(vault, clock=live_clock)


@pytest.fixture
def enrolled(enroller: Enroller, timed_idp: FakeIdp) -> Account:
    """A push account enrolled at ``timed_idp``."""
    return enroller.add_uri(timed_idp.offer_uri(), device_name="Pixel de test")


@pytest.fixture
def service(vault: Vault, live_clock: FixedClock) -> PushService:
    return PushService(vault, clock=live_clock, timeout=5)
