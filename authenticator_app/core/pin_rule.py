"""The rule for a new PIN (a new vault, or a PIN change): at least 6 digits, digits only.

A vault's key comes from the PIN through scrypt (about 0.1 s a guess); 4 digits would fall to an
offline search in minutes, 6 digits take about a day of CPU and the growing wait stops a person
at the keypad. Digits only, as Microsoft Authenticator's and Aegis's PIN pads: the app shows a
keypad, and a PIN typed on a desktop keyboard must work on the phone. Vaults made before the
rule keep opening with their PIN; the rule applies when a PIN is chosen.
"""

from __future__ import annotations

import re
from typing import Final

from authenticator_app.core.errors import PinEmpty, PinNotDigits, PinTooShort

__all__ = ["MIN_PIN_DIGITS", "check_new_pin"]

MIN_PIN_DIGITS: Final = 6
_DIGITS: Final = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes "²" and "٣"


def check_new_pin(pin: str) -> None:
    """:class:`PinEmpty`, :class:`PinNotDigits` or :class:`PinTooShort` unless ``pin`` may
    protect a vault."""
    if not pin:
        raise PinEmpty("the PIN is empty")
    if not _DIGITS.fullmatch(pin):
        raise PinNotDigits("the PIN has a character other than 0-9")
    if len(pin) < MIN_PIN_DIGITS:
        raise PinTooShort(f"{len(pin)} digits, at least {MIN_PIN_DIGITS} needed")
