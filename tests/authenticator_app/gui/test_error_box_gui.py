"""Errors on screen are words; the stable code waits under « Détails ». On the push prompt in
``typed`` mode, « OUI » with no number explains it below the controls (the number field does
not move), and a complete number clears the explanation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from authenticator_app.core.accounts import Account
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.vault import Vault
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.fake_idp import FakeIdp
from tests.authenticator_app.gui.conftest import SIZES
from tests.authenticator_app.gui.test_push_fake_gui import start, wait_for_prompt

pytestmark = pytest.mark.gui


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def idp(clock: FixedClock) -> Iterator[FakeIdp]:
    fake = FakeIdp(clock=clock, matching_mode="typed").start()
    yield fake
    fake.stop()


@pytest.fixture
def enrolled(tmp_path: Path, idp: FakeIdp, clock: FixedClock) -> Account:
    vault = Vault.create(tmp_path / "vault.bin", PIN, kdf=FAST_KDF)
    return Enroller(vault, clock=clock).add_uri(idp.offer_uri(), device_name="GUI test")


@pytest.mark.parametrize("size", SIZES)
def test_oui_without_a_number(
    idp: FakeIdp,
    enrolled: Account,
    clock: FixedClock,
    tmp_path: Path,
    gui_factory: Any,
    size: Any,
) -> None:
    gui, _notified = start(gui_factory, tmp_path, clock, size)
    challenge = idp.create_challenge(number=42)
    push = wait_for_prompt(gui, challenge)
    field = gui.widget("number", "push")
    before = gui.window_position(field)

    gui.tap_id("yes_typed")
    gui.settle()
    assert push.error_code == "number_incomplete"
    assert gui.shows("Saisissez le numéro à deux chiffres affiché dans le navigateur.")
    # The error did not push the field down (it sits below the controls and is scrolled into
    # view: the field may move up with the whole content, never down), and both are visible.
    assert gui.window_position(field)[1] >= before[1]
    assert gui._visible(field)
    assert gui._visible(gui.widget("yes_typed", "push"))
    assert not [t for t in gui.texts() if "number_incomplete" in t]
    box = gui.widget("error_box", "push")
    assert not box.details_open

    gui.tap(box.ids.details_toggle)
    assert box.details_open
    gui.settle()
    assert gui.shows("Code\u00a0: number_incomplete", box)
    gui.tap(box.ids.details_toggle)
    assert not box.details_open

    gui.type_into(field, "42")
    gui.settle()
    assert push.error_code == ""
    assert not gui.shows("Saisissez le numéro à deux chiffres affiché dans le navigateur.")
    assert challenge.status == "pending"  # typing sends nothing
