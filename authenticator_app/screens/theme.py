"""Colours and sizes of the app (one place, read by the kv files)."""

from __future__ import annotations

from typing import Final

__all__ = ["COLORS", "LEVEL_BACKGROUNDS", "MAX_CONTENT_WIDTH_DP"]

Rgba = tuple[float, float, float, float]


def _hex(value: str, alpha: float = 1.0) -> Rgba:
    value = value.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (red, green, blue, alpha)


COLORS: Final[dict[str, Rgba]] = {
    "primary": _hex("0078D4"),
    "primary_dark": _hex("005A9E"),
    "primary_light": _hex("DEECF9"),
    "background": _hex("F3F2F1"),
    "surface": _hex("FFFFFF"),
    "border": _hex("D2D0CE"),
    "text": _hex("201F1E"),
    "text_muted": _hex("605E5C"),
    "on_primary": _hex("FFFFFF"),
    "danger": _hex("A4262C"),
    "danger_light": _hex("FDE7E9"),
    "success": _hex("107C10"),
    "success_light": _hex("DFF6DD"),
    "warning_light": _hex("FFF4CE"),
    "info_light": _hex("EDEBE9"),
    "snackbar": _hex("323130"),
}
LEVEL_BACKGROUNDS: Final[dict[str, Rgba]] = {
    "ok": COLORS["success_light"],
    "info": COLORS["info_light"],
    "warning": COLORS["warning_light"],
    "error": COLORS["danger_light"],
}
MAX_CONTENT_WIDTH_DP: Final = 560
