"""How long to wait, said in natural language: whole minutes rounded up, real plurals.

« Réessayez dans 1 minute(s) » for a three-minute wait told users to come back too early; a wait
is always rounded up (coming back a few seconds late works, early does not) and spelled with
ngettext so that French and English both get their plural right.
"""

from __future__ import annotations

import math
from datetime import datetime

from flask_babel import format_time, ngettext

__all__ = ["lock_message", "minutes_left", "retry_message"]


def minutes_left(seconds: float) -> int:
    """Whole minutes, rounded up, never below one (a wait of 0 s still says "1 minute")."""
    return max(1, math.ceil(seconds / 60))


def retry_message(retry_after: float) -> str:
    """The push rate limit's answer: « Réessayez dans 3 minutes. »"""
    minutes = minutes_left(retry_after)
    return str(
        ngettext(
            "Trop de notifications ont été envoyées. Réessayez dans %(num)d minute.",
            "Trop de notifications ont été envoyées. Réessayez dans %(num)d minutes.",
            minutes,
        )
    )


def lock_message(until: datetime, now: datetime) -> str:
    """A lock's end, both as a duration and as a time of day (the page may stay open a while)."""
    minutes = minutes_left((until - now).total_seconds())
    return str(
        ngettext(
            "Trop d'essais infructueux. Par sécurité, la réinitialisation est bloquée pendant "
            "%(num)d minute, jusqu'à %(time)s.",
            "Trop d'essais infructueux. Par sécurité, la réinitialisation est bloquée pendant "
            "%(num)d minutes, jusqu'à %(time)s.",
            minutes,
            time=format_time(until, format="short"),
        )
    )
