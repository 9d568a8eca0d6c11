from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from authenticator_app.core.errors import PinEmpty, PinMismatch, PinUnavailable, VaultMissing
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
    assert read_pin({}, prompt=prompts("99", "99"), interactive=True, confirm=True) == "99"
    with pytest.raises(PinMismatch):
        read_pin({}, prompt=prompts("99", "98"), interactive=True, confirm=True)
    with pytest.raises(PinEmpty):
        read_pin({}, prompt=prompts(""), interactive=True)


def test_no_terminal_no_pin() -> None:
    with pytest.raises(PinUnavailable):
        read_pin({}, prompt=prompts(), interactive=False)


def test_unlock_creates_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "v.bin"
    env = {PIN_ENV: "1234"}
    with pytest.raises(VaultMissing):
        unlock_vault(path, env, prompt=prompts(), interactive=False)
    assert not path.exists()
    created = unlock_vault(
        path, env, prompt=prompts(), interactive=False, create=True, kdf=FAST_KDF
    )
    assert created.accounts == ()
    opened = unlock_vault(path, env, prompt=prompts(), interactive=False, create=True)
    assert opened.path == path
