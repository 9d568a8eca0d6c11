"""How codes, times and durations read on screen."""

from __future__ import annotations

from datetime import datetime, tzinfo

__all__ = ["format_datetime", "format_time", "group_code", "hidden_code"]


def group_code(code: str) -> str:
    """``123456`` -> ``123 456``; ``1234567`` -> ``123 4567``; ``12345678`` -> ``1234 5678``."""
    if len(code) < 6:
        return code
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"


def hidden_code(digits: int) -> str:
    return group_code("•" * digits)


def format_datetime(moment: datetime, language: str, *, zone: tzinfo | None = None) -> str:
    """``24/11/2026 14:05`` (fr) or ``2026-11-24 14:05`` (en), in the device's time zone."""
    local = moment.astimezone(zone)
    if language == "fr":
        return local.strftime("%d/%m/%Y %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def format_time(moment: datetime, language: str, *, zone: tzinfo | None = None) -> str:
    """``14:05:09`` plus the date when it is not today (in the device's time zone)."""
    del language  # same shape in French and English
    local = moment.astimezone(zone)
    return local.strftime("%H:%M:%S")
