"""``authenticator --clock-offset SECONDS``: a phone whose clock is wrong, seen from both sides.

TOTP codes are checked by the IdP's own verifier (``idp.mfa.totp``, drift 1 step), device
tokens by the fake IdP (the same ``shared.jws`` rules and leeway as the IdP), challenges by
the app's own checks.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from authenticator_app.cli import main
from authenticator_app.core.challenges import verify_challenge
from authenticator_app.core.clock import FixedClock, offset_clock
from authenticator_app.core.errors import ChallengeRefused
from authenticator_app.core.vault import Vault
from idp.mfa.totp import TotpParams, matching_steps
from shared.timing import DEFAULT_LEEWAY
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.factories import RFC_SECRET
from tests.authenticator_app.fake_idp import FakeIdp
from tests.authenticator_app.test_cli import TOTP_URI, Result

# The start of a 30-second step: the edges are exact.
STEP_START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
LEEWAY = int(DEFAULT_LEEWAY.total_seconds())


def _run(vault_path: Path, clock: Any, *argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    status = main(
        ["--vault", str(vault_path), *argv],
        env={"AUTHENTICATOR_PIN": PIN},
        stdout=out,
        stderr=err,
        kdf=FAST_KDF,
        interactive=False,
        clock=clock,
    )
    return Result(status, out.getvalue(), err.getvalue())


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "-inf", str(400 * 86400 + 1), ""])
def test_a_bad_offset_is_a_usage_error(vault_path: Path, text: str) -> None:
    result = _run(vault_path, FixedClock(STEP_START), f"--clock-offset={text}", "list")
    assert result.status == 2
    assert result.err.startswith("error [clock_offset_invalid]: --clock-offset")


def test_the_offset_is_global_before_or_after_the_verb(vault_path: Path) -> None:
    clock = FixedClock(STEP_START)
    assert _run(vault_path, clock, "add", TOTP_URI).status == 0
    before = _run(vault_path, clock, "--clock-offset", "30", "code", "bob").out
    after = _run(vault_path, clock, "code", "bob", "--clock-offset", "30").out
    plain = _run(vault_path, clock, "code", "bob").out
    assert before == after != plain


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (0, True),
        (29, True),
        (-1, True),  # the previous step
        (-30, True),
        (-31, False),  # two steps behind: beyond a drift of 1
        (30, True),
        (59, True),  # the next step's last second
        (60, False),  # two steps ahead
    ],
)
def test_totp_drift_at_the_edges_of_the_idps_window(
    vault_path: Path, offset: int, accepted: bool
) -> None:
    clock = FixedClock(STEP_START)
    assert _run(vault_path, clock, "add", TOTP_URI).status == 0
    result = _run(vault_path, clock, f"--clock-offset={offset}", "code", "bob")
    assert result.status == 0, result.err
    steps = matching_steps(RFC_SECRET, result.out.strip(), TotpParams(), now=STEP_START, drift=1)
    assert bool(steps) is accepted


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (LEEWAY, True),  # iat LEEWAY s in the IdP's future: within its leeway
        (LEEWAY + 1, False),  # message_not_yet_valid
        (-(60 + LEEWAY - 1), True),  # the token's 60 s lifetime plus the leeway, just
        (-(60 + LEEWAY), False),  # expired on arrival
    ],
)
def test_iat_window_of_device_calls(
    vault_path: Path, live_clock: FixedClock, timed_idp: FakeIdp, offset: int, accepted: bool
) -> None:
    """The IdP checks each device call's token: ``iat`` at most LEEWAY s ahead of it, and not
    expired (a 60 s lifetime) beyond the leeway."""
    assert _run(vault_path, live_clock, "add", timed_idp.offer_uri()).status == 0
    result = _run(vault_path, live_clock, f"--clock-offset={offset}", "pending", "--json")
    if accepted:
        assert result.status == 0, result.err
        assert result.json()["challenges"] == []
    else:
        assert result.status != 0
        assert "error [" in result.err


@pytest.mark.parametrize(
    ("offset", "refused"),
    [
        (0, None),
        (60 + LEEWAY - 1, None),  # a phone ahead sees the 60 s challenge expire early
        (60 + LEEWAY, "challenge_expired"),
        (-LEEWAY, None),
        (-(LEEWAY + 1), "challenge_not_yet_valid"),  # a phone behind: issued in its future
    ],
)
def test_challenge_expiry_by_the_phones_clock(
    vault_path: Path, live_clock: FixedClock, timed_idp: FakeIdp, offset: int, refused: str | None
) -> None:
    assert _run(vault_path, live_clock, "add", timed_idp.offer_uri()).status == 0
    vault = Vault.open(vault_path, PIN)
    account = vault.accounts[0]
    challenge = timed_idp.create_challenge(ttl=60)
    device_id = account.push.device_id if account.push else ""
    token = timed_idp.token_for(challenge, device_id)
    phone = offset_clock(live_clock, offset)
    if refused is None:
        assert verify_challenge(token, account, now=phone()).challenge_id == challenge.id
    else:
        with pytest.raises(ChallengeRefused) as error:
            verify_challenge(token, account, now=phone())
        assert error.value.code == refused


def test_offset_clock_shifts_and_refuses_nonsense() -> None:
    clock = FixedClock(STEP_START)
    assert offset_clock(clock, -90)() == STEP_START - timedelta(seconds=90)
    assert offset_clock(clock, 0) is clock
    for bad in (float("nan"), 400 * 86400 + 1, True):
        with pytest.raises(ValueError, match="clock offset"):
            offset_clock(clock, bad)
