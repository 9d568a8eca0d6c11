"""Unlocking the vault headlessly: the PIN from ``AUTHENTICATOR_PIN``, else a prompt.

The GUI has its own lock screen; this is for commands and scripts. A PIN is never echoed, logged
or printed; an empty one is refused; a new vault's PIN follows
:func:`~authenticator_app.core.pin_rule.check_new_pin` (6 digits or more), checked before it is
asked a second time. Only :func:`unlock_vault` with ``create=True`` makes a new vault (the first
``add``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from authenticator_app.core.clock import RandomBytes, system_random
from authenticator_app.core.errors import PinEmpty, PinMismatch, PinUnavailable, VaultMissing
from authenticator_app.core.pin_rule import check_new_pin
from authenticator_app.core.vault import Vault
from authenticator_app.core.vault_crypto import KdfParams

__all__ = ["PIN_ENV", "read_pin", "unlock_vault"]

PIN_ENV: Final = "AUTHENTICATOR_PIN"


def read_pin(
    env: Mapping[str, str],
    *,
    prompt: Callable[[str], str],
    interactive: bool,
    confirm: bool = False,
) -> str:
    """The PIN from ``env[PIN_ENV]``, else from ``prompt`` (twice when ``confirm``: a new
    vault's, which must also pass :func:`check_new_pin`).

    :class:`PinEmpty`, :class:`PinMismatch`, :class:`PinTooShort`, :class:`PinNotDigits`, or
    :class:`PinUnavailable` when there is neither an environment PIN nor a terminal to ask on.
    """
    if PIN_ENV in env:
        pin = env[PIN_ENV]
        if not pin:
            raise PinEmpty(f"{PIN_ENV} is set but empty")
        if confirm:
            check_new_pin(pin)
        return pin
    if not interactive:
        raise PinUnavailable(f"set {PIN_ENV} or run in a terminal")
    pin = prompt("New vault PIN (6 digits or more): " if confirm else "Vault PIN: ")
    if not pin:
        raise PinEmpty("the PIN is empty")
    if confirm:
        check_new_pin(pin)
    if confirm and prompt("Repeat the PIN: ") != pin:
        raise PinMismatch("the two PINs differ")
    return pin


def unlock_vault(
    path: Path,
    env: Mapping[str, str],
    *,
    prompt: Callable[[str], str],
    interactive: bool,
    create: bool = False,
    kdf: KdfParams | None = None,
    rng: RandomBytes = system_random,
) -> Vault:
    """Open the vault at ``path`` (or, with ``create``, make it when it does not exist yet).

    The PIN is asked for only when there is a vault to open or to create.
    """
    if not Vault.exists(path):
        if not create:
            raise VaultMissing(f"no vault at {path}")
        pin = read_pin(env, prompt=prompt, interactive=interactive, confirm=True)
        return Vault.create(path, pin, kdf=kdf, rng=rng)
    return Vault.open(path, read_pin(env, prompt=prompt, interactive=interactive), rng=rng)
