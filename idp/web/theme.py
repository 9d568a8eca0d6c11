"""Per-realm CSS custom properties (the CSP forbids inline styles).

Text colours are derived from the brand colour so that a light brand (Metamots' yellow) still
gets readable text: WCAG relative luminance decides between dark and white text.
"""

from __future__ import annotations

import re
from typing import Protocol

__all__ = ["relative_luminance", "theme_css"]

_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_DARK = "#1d1d1f"


class Branding(Protocol):
    primary_color: str
    secondary_color: str


def relative_luminance(colour: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def theme_css(branding: Branding) -> str:
    primary = branding.primary_color if _HEX.fullmatch(branding.primary_color) else "#1f4e79"
    secondary = branding.secondary_color if _HEX.fullmatch(branding.secondary_color) else "#f2f2f2"
    light = relative_luminance(primary) > 0.35
    on_primary = _DARK if light else "#ffffff"
    # Headings and links in the brand colour only when it reads well on white.
    ink = _DARK if light else primary
    return (
        ":root {\n"
        f"  --realm-primary: {primary};\n"
        f"  --realm-secondary: {secondary};\n"
        f"  --realm-on-primary: {on_primary};\n"
        f"  --realm-ink: {ink};\n"
        "}\n"
    )
