"""The strength meter's words ("Force : Faible / Moyenne / Bonne / Forte", seed 001)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from idp.policy.strength import strength_score

__all__ = ["strength"]

_LABELS = {0: _l("Faible"), 1: _l("Faible"), 2: _l("Moyenne"), 3: _l("Bonne"), 4: _l("Forte")}


def strength(password: str, user_inputs: Sequence[str] = ()) -> tuple[int, LazyString]:
    """zxcvbn's score (0-4) and its label; an empty password is "Faible"."""
    score = strength_score(password, user_inputs) if password else 0
    return score, _LABELS[score]
