"""What every screen shares: a presenter slot, the kv loader, and error-box properties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from authenticator_app.presenters.errors import ErrorNotice

__all__ = ["AppScreen", "load_kv"]


def load_kv(module_file: str) -> None:
    """Load the ``.kv`` next to a screen module (once per process)."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


class AppScreen(Screen):  # type: ignore[misc]
    """A passive view: its presenter renders models into it; its widgets call the presenter."""

    presenter: Any = ObjectProperty(None, allownone=True)
    error_title = StringProperty("")
    error_text = StringProperty("")
    error_code = StringProperty("")

    def show_error(self, error: ErrorNotice | None) -> None:
        self.error_title = error.title if error else ""
        self.error_text = error.text if error else ""
        self.error_code = error.code if error else ""
