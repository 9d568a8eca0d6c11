"""Common-password list and zxcvbn strength score (both from the zxcvbn package).

zxcvbn is imported lazily: its frequency lists take a noticeable time to load, and most
importers of ``idp.policy`` (the preset loader, the CLI) never need them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache

__all__ = ["STRENGTH_INPUT_LIMIT", "is_common", "strength_score"]

# zxcvbn's cost grows quickly with length and it refuses inputs over 72 characters by
# default; the score of a longer password is computed on its first 72 characters, which can
# only underestimate it.
STRENGTH_INPUT_LIMIT = 72

# A few very common French passwords that zxcvbn's English-centric lists miss.
_FRENCH_COMMON = (
    "azerty",
    "azertyuiop",
    "motdepasse",
    "soleil",
    "bonjour",
    "doudou",
    "chouchou",
    "loulou",
    "marseille",
    "paris",
    "toulouse",
    "bordeaux",
    "jetaime",
    "coucou",
    "nicolas",
    "camille",
    "jesuis",
    "chocolat",
    "princesse",
    "vacances",
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _common_words() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = set(FREQUENCY_LISTS["passwords"]) | set(FREQUENCY_LISTS["english_wikipedia"])
    words.update(_FRENCH_COMMON)
    return frozenset(_fold(w) for w in words)


def _core(folded: str) -> str:
    """The password without the digits and symbols people pad a common word with."""
    return folded.strip("0123456789!?@#$%^&*()_+-=.,;:'\"[]{}<>/\\|`~ ")


def is_common(password: str) -> bool:
    """True when the password, ignoring case and accents, is on the common list, or is a
    common word merely padded with digits or symbols (``Password123!``)."""
    if len(password) > STRENGTH_INPUT_LIMIT:
        return False
    words = _common_words()
    folded = _fold(password)
    core = _core(folded)
    return folded in words or (bool(core) and core in words)


def strength_score(password: str, user_inputs: Sequence[str] = ()) -> int:
    """zxcvbn score from 0 (guessable) to 4 (very unguessable)."""
    if not password:
        return 0  # zxcvbn raises IndexError on an empty string
    from zxcvbn import zxcvbn

    inputs = [i for i in user_inputs if i]
    result = zxcvbn(password[:STRENGTH_INPUT_LIMIT], user_inputs=inputs)
    return int(result["score"])
