"""Per-realm CSS custom properties (the CSP forbids inline styles)."""

from __future__ import annotations

import re
from typing import Protocol

__all__ = ["theme_css"]

_HEX = re.compile(r"#[0-9a-fA-F]{6}")


class Branding(Protocol):
    primary_color: str
    secondary_color: str


def theme_css(branding: Branding) -> str:
    primary = branding.primary_color if _HEX.fullmatch(branding.primary_color) else "#1f4e79"
    secondary = branding.secondary_color if _HEX.fullmatch(branding.secondary_color) else "#f2f2f2"
    return f":root {{ --realm-primary: {primary}; --realm-secondary: {secondary}; }}\n"
