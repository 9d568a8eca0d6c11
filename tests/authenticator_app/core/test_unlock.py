from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from authenticator_app.core.errors import (
    PinEmpty,
    PinMismatch,
    PinNotDigits,
    PinTooShort,
    PinUnavailable,
    VaultMissing,
)
from authenticator_app.core.pin_rule import MIN_PIN_DIGITS, check_new_pin
from authenticator_app.core.unlock import PIN_ENV, read_pin, unlock_vault
from tests.authenticator_app.conftest import FAST_KDF


def prompts(*answers: str) -> Callable[[str], str]:
    queue = list(answers)
    return lambda text: queue.pop(0)


def test_environment_first() -> None:
    assert read_pin({PIN_ENV: "1234"}, prompt=prompts(), interactive=True) == "1234"


def test_empty_environment_pin() -> None:
    with pytest.raises(PinEmpty):
        read_pin({PIN_ENV: ""}, prompt=prompts(), interactive=True)


def test_prompt_and_confirmation() -> None:
    new = "994411"
    assert read_pin({}, prompt=prompts(new, new), interactive=True, confirm=True) == new
    with pytest.raises(PinMismatch):
        read_pin({}, prompt=prompts(new, "994412"), interactive=True, confirm=True)
    with pytest.raises(PinEmpty):
        read_pin({}, prompt=prompts(""), interactive=True)


def test_no_terminal_no_pin() -> None:
    with pytest.raises(PinUnavailable):
        read_pin({}, prompt=prompts(), interactive=False)


def test_unlock_creates_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "v.bin"
    env = {PIN_ENV: "123456"}
    with pytest.raises(VaultMissing):
        unlock_vault(path, env, prompt=prompts(), interactive=False)
    assert not path.exists()
    created = unlock_vault(
        path, env, prompt=prompts(), interactive=False, create=True, kdf=FAST_KDF
    )
    assert created.accounts == ()
    opened = unlock_vault(path, env, prompt=prompts(), interactive=False, create=True)
    assert opened.path == path


@pytest.mark.parametrize(
    ("pin", "error"),
    [
        ("", PinEmpty),
        ("12345", PinTooShort),
        ("1234", PinTooShort),
        ("12345a", PinNotDigits),
        ("123 456", PinNotDigits),
        ("١٢٣٤٥٦", PinNotDigits),  # Arabic-Indic digits: str.isdigit() says yes, a keypad no
        ("12345²", PinNotDigits),
    ],
)
def test_a_new_pin_has_six_ascii_digits_or_more(pin: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_new_pin(pin)


@pytest.mark.parametrize("pin", ["123456", "0000000", "9" * 64])
def test_good_new_pins(pin: str) -> None:
    assert MIN_PIN_DIGITS == 6
    check_new_pin(pin)


def test_a_new_vault_refuses_a_short_pin_before_asking_twice(tmp_path: Path) -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "1234"

    path = tmp_path / "v.bin"
    with pytest.raises(PinTooShort):
        unlock_vault(path, {}, prompt=prompt, interactive=True, create=True, kdf=FAST_KDF)
    assert asked == ["New vault PIN (6 digits or more): "]
    with pytest.raises(PinNotDigits):
        unlock_vault(path, {PIN_ENV: "abcdefgh"}, prompt=prompt, interactive=False, create=True)
    assert not path.exists()


def test_an_old_vault_with_a_short_pin_still_opens(tmp_path: Path) -> None:
    from authenticator_app.core.vault import Vault

    path = tmp_path / "old.bin"
    Vault.create(path, "1234", kdf=FAST_KDF)  # made before the rule
    opened = unlock_vault(path, {PIN_ENV: "1234"}, prompt=prompts(), interactive=False)
    assert opened.path == path
