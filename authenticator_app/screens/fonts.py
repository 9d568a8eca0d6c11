"""The app's typeface: DejaVu Sans, bundled under ``authenticator_app/fonts/`` with its licence.

Kivy's default, Roboto, draws the apostrophe of « n’est » touching the "n" at 1 px per dp (bold
included); DejaVu Sans is clean at every size and covers the symbols the top bar and the keypad
use. :func:`register_fonts` makes it the font of every widget that does not name another: it
registers the files under Kivy's default font name (``DEFAULT_FONT``, what ``Label.font_name``
and ``TextInput.font_name`` default to), and under ``"DejaVuSans"`` for the kv rules that name it.
"""

from __future__ import annotations

from pathlib import Path

from kivy.core.text import DEFAULT_FONT, LabelBase

__all__ = ["APP_FONT_BOLD", "APP_FONT_REGULAR", "register_fonts"]

FONTS = Path(__file__).resolve().parents[1] / "fonts"
APP_FONT_REGULAR = FONTS / "DejaVuSans.ttf"
APP_FONT_BOLD = FONTS / "DejaVuSans-Bold.ttf"


def register_fonts() -> None:
    """Make DejaVu Sans (regular and bold) the default font of every label and text input."""
    for name in (DEFAULT_FONT, "DejaVuSans"):
        # No italic face is bundled: Kivy falls back to the regular (bold) file for italics.
        LabelBase.register(
            name,
            fn_regular=str(APP_FONT_REGULAR),
            fn_bold=str(APP_FONT_BOLD),
            fn_bolditalic=str(APP_FONT_BOLD),
        )
