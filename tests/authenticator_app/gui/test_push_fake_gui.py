"""The push prompt against the fake IdP (fast, no real server), real touches, at phone and
desktop sizes: ``choose`` mode's three numbers (the right one approves), the countdown following
the injected clock, a superseded challenge vanishing with a notice, and the IdP going down
while the TOTP codes keep showing.

The app and the fake IdP share one :class:`FixedClock` (started at the real time: the HTTP
layer still sees real time), so the test moves time for both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest

from authenticator_app.core.accounts import Account
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.vault import Vault
from shared.messages import ChallengeHint
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.factories import RFC_SECRET
from tests.authenticator_app.fake_idp import FakeChallenge, FakeIdp
from tests.authenticator_app.gui.conftest import SIZES
from tests.authenticator_app.gui.test_accounts_gui import row, unlock

pytestmark = pytest.mark.gui

FAST_WATCH = {"read_timeout": 2, "backoff_initial": 0.05, "backoff_max": 0.2, "tick": 0.1}
ACTIVE = "Notifications push actives."
SUPERSEDED = "Cette demande a été remplacée par une demande plus récente."


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def idp(clock: FixedClock) -> Iterator[FakeIdp]:
    fake = FakeIdp(clock=clock, matching_mode="choose").start()
    yield fake
    fake.stop()


@pytest.fixture
def enrolled(tmp_path: Path, idp: FakeIdp, clock: FixedClock) -> Account:
    """A vault file with one account enrolled at the fake IdP (push, and TOTP codes)."""
    vault = Vault.create(tmp_path / "vault.bin", PIN, kdf=FAST_KDF)
    return Enroller(vault, clock=clock).add_uri(idp.offer_uri(), device_name="GUI test")


def start(
    gui_factory: Any,
    tmp_path: Path,
    clock: FixedClock,
    size: Any,
    *,
    idle_clock: FixedClock | None = None,
    **watch: float,
) -> tuple[Any, list[tuple[str, str]]]:
    from authenticator_app.app import AppServices

    notified: list[tuple[str, str]] = []
    gui = gui_factory(
        AppServices(
            vault_path=tmp_path / "vault.bin",
            clock=clock,
            kdf=FAST_KDF,
            notify=lambda title, text: notified.append((title, text)),
            watch_options={**FAST_WATCH, **watch},
            **({"idle_clock": idle_clock} if idle_clock else {}),
        ),
        size,
    )
    unlock(gui)
    assert gui.current == "accounts"
    accounts = gui.screen()
    gui.wait(lambda: accounts.status_text == ACTIVE, what="the SSE stream to connect")
    assert accounts.status_level == "ok"
    return gui, notified


def wait_for_prompt(gui: Any, challenge: FakeChallenge) -> Any:
    push = gui.screen("push")
    gui.wait(
        lambda: gui.current == "push" and push.challenge_id == challenge.id,
        what=f"the prompt for {challenge.id}",
    )
    gui.settle()
    return push


def choice_buttons(gui: Any) -> list[Any]:
    return [gui.widget(f"choice_{i}", "push") for i in range(3)]


def tap_number(gui: Any, number: int) -> None:
    (button,) = [b for b in choice_buttons(gui) if b.text == str(number)]
    gui.tap(button)


def snackbar(gui: Any) -> Any:
    return gui.app.root_widget.snackbar


@pytest.mark.parametrize("size", SIZES)
def test_choose_the_number_and_watch_the_countdown(
    idp: FakeIdp,
    enrolled: Account,
    clock: FixedClock,
    tmp_path: Path,
    gui_factory: Any,
    size: Any,
) -> None:
    gui, notified = start(gui_factory, tmp_path, clock, size)
    challenge = idp.create_challenge(number=57)
    assert challenge.choices == [57, 78, 14]
    push = wait_for_prompt(gui, challenge)
    assert notified == [("Approuver la connexion ?", "Jasmin:alice.martin – Jasmin")]
    assert push.mode == "choose"
    assert gui.shows("Appuyez sur le numéro affiché dans votre navigateur.")
    buttons = choice_buttons(gui)
    assert [b.text for b in buttons] == ["57", "78", "14"]
    assert all(gui.shows(b.text) for b in buttons)
    for typed_only in ("number", "yes_typed", "yes_plain"):  # not in this mode
        assert gui.widget(typed_only, "push").get_root_window() is None

    # The countdown follows the injected clock (the app ticks once a second).
    assert push.expires_text == "Expire dans 60 s"
    assert gui.shows("Expire dans 60 s")
    clock.advance(15)
    gui.wait(lambda: push.expires_text == "Expire dans 45 s", what="45 s left")
    assert gui.shows("Expire dans 45 s")
    clock.advance(20)
    gui.wait(lambda: push.expires_text == "Expire dans 25 s", what="25 s left")
    assert push.expires_in == 25
    assert gui.shows("Expire dans 25 s")

    tap_number(gui, 57)
    gui.wait(lambda: gui.current == "accounts", what="the prompt to close")
    gui.settle()
    assert (challenge.status, challenge.decision_number) == ("approved", 57)
    assert challenge.decided_by == (enrolled.push.device_id if enrolled.push else None)
    assert snackbar(gui).text == "Demande approuvée."
    assert gui.shows("Demande approuvée.", snackbar(gui))


@pytest.mark.parametrize("size", SIZES)
def test_a_superseded_challenge_vanishes_with_a_notice(
    idp: FakeIdp,
    enrolled: Account,
    clock: FixedClock,
    tmp_path: Path,
    gui_factory: Any,
    size: Any,
) -> None:
    gui, _notified = start(gui_factory, tmp_path, clock, size)
    first = idp.create_challenge(number=57)
    wait_for_prompt(gui, first)

    # A newer sign-in for the same user supersedes it: it vanishes, the new one shows.
    second = idp.create_challenge(number=33)
    push = wait_for_prompt(gui, second)
    assert first.status == "superseded"
    assert snackbar(gui).text == SUPERSEDED
    assert gui.shows(SUPERSEDED, snackbar(gui))
    assert [b.text for b in choice_buttons(gui)] == ["33", "54", "80"]
    assert push.others == 0
    tap_number(gui, 33)
    gui.wait(lambda: gui.current == "accounts", what="the prompt to close")
    gui.settle()
    assert (first.status, second.status) == ("superseded", "approved")
    assert snackbar(gui).text == "Demande approuvée."

    # Superseded with nothing newer for this device (the IdP says so): the prompt just goes.
    third = idp.create_challenge(number=21)
    wait_for_prompt(gui, third)
    with idp.changed:
        third.status = "superseded"
    idp.hint("alice.martin", ChallengeHint(challenge_id=third.id, event="superseded"))
    gui.wait(lambda: gui.current == "accounts", what="the prompt to vanish")
    gui.settle()
    assert snackbar(gui).text == SUPERSEDED
    assert gui.shows(SUPERSEDED, snackbar(gui))
    assert not gui.screen("push").visible
    assert third.decided_by is None


@pytest.mark.parametrize("size", SIZES)
def test_idp_down_shows_a_status_line_and_codes_still_show(
    idp: FakeIdp,
    enrolled: Account,
    clock: FixedClock,
    tmp_path: Path,
    gui_factory: Any,
    size: Any,
) -> None:
    # Production-like back-off (1 s, then 2 s), so the retry delay reads like the real one.
    gui, _notified = start(gui_factory, tmp_path, clock, size, backoff_initial=1.0, backoff_max=2.0)
    accounts = gui.screen("accounts")
    code = pyotp.TOTP(RFC_SECRET).at(clock())
    assert row(gui, enrolled.id).code == f"{code[:3]} {code[3:]}"

    idp.stop()
    offline = re.compile(
        r"Hors ligne : Serveur injoignable\. Les codes restent disponibles\. "
        r"Nouvel essai dans [12] s\."
    )
    gui.wait(lambda: offline.fullmatch(accounts.status_text), what="the offline status line")
    assert accounts.status_level == "warning"
    status = gui.widget("status", "accounts")
    assert offline.fullmatch(status.text)
    assert gui.shows(status.text)

    # The codes keep coming from the clock.
    clock.advance(30)
    following = pyotp.TOTP(RFC_SECRET).at(clock())
    assert following != code
    gui.wait(
        lambda: row(gui, enrolled.id).code == f"{following[:3]} {following[3:]}",
        what="the next code while offline",
    )
    assert gui.shows(f"{following[:3]} {following[3:]}", row(gui, enrolled.id))
    assert offline.fullmatch(accounts.status_text)
