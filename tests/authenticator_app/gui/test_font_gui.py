"""The app's font: the bundled DejaVu Sans draws « n’est » with the apostrophe clear of the "n".

Kivy's default (Roboto) makes the apostrophe touch the "n" at 1 px per dp, bold or not (issue
15, item 16). The check renders the pair with Kivy's own text provider, as a label does, and
looks for a column of empty pixels between the two glyphs.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.gui


def ink_columns(text: str, *, font_size: int, bold: bool) -> list[bool]:
    """For each pixel column of ``text`` rendered in the default font: does it hold ink?"""
    from kivy.core.text import Label as CoreLabel
    from kivy.core.window import Window  # noqa: F401  (textures need the GL context)

    import authenticator_app.screens  # noqa: F401  (registers the app's fonts)

    label: Any = CoreLabel(text=text, font_size=font_size, bold=bold)
    label.refresh()
    texture = label.texture
    width, height = texture.size
    pixels = texture.pixels  # RGBA rows
    return [
        any(pixels[(row * width + column) * 4 + 3] > 40 for row in range(height))
        for column in range(width)
    ]


def ink_runs(columns: list[bool]) -> int:
    """How many separate runs of inked columns (glyphs that do not touch count apart)."""
    return sum(1 for i, ink in enumerate(columns) if ink and (i == 0 or not columns[i - 1]))


@pytest.mark.parametrize("bold", [False, True], ids=["regular", "bold"])
@pytest.mark.parametrize("font_size", [14, 15, 16, 18, 20])
def test_the_apostrophe_stands_clear_of_the_n(font_size: int, bold: bool) -> None:
    assert ink_runs(ink_columns("n’", font_size=font_size, bold=bold)) == 2
    assert ink_runs(ink_columns("n'", font_size=font_size, bold=bold)) == 2


def test_the_default_font_is_the_bundled_dejavu_sans() -> None:
    from kivy.core.text import DEFAULT_FONT, LabelBase

    import authenticator_app.screens  # noqa: F401
    from authenticator_app.screens.fonts import APP_FONT_BOLD, APP_FONT_REGULAR

    regular, _italic, bold, _bold_italic = LabelBase._fonts[DEFAULT_FONT]
    assert (regular, bold) == (str(APP_FONT_REGULAR), str(APP_FONT_BOLD))
    assert APP_FONT_REGULAR.is_file()
    assert APP_FONT_BOLD.is_file()
    assert (APP_FONT_REGULAR.parent / "LICENSE.txt").is_file()
