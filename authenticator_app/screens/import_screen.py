"""Importing accounts; its presenter is
:class:`~authenticator_app.presenters.import_accounts.ImportPresenter`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.core.clipboard import Clipboard
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from authenticator_app.presenters.import_accounts import ImportModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.add_account_screen import ImagePicker
from authenticator_app.screens.base import AppScreen, load_kv

__all__ = ["FilePicker", "ImportScreen"]


class FilePicker(ImagePicker):
    """The add-account screen's picker, for any file (its own title in kv)."""


Factory.register("FilePicker", cls=FilePicker)


class ImportScreen(AppScreen):
    needs_password = BooleanProperty(False)
    busy = BooleanProperty(False)
    summary = StringProperty("")
    added_text = StringProperty("")
    skipped_text = StringProperty("")

    def render(self, model: ImportModel) -> None:
        self.needs_password = model.needs_password
        self.busy = model.busy
        self.summary = model.summary
        self.added_text = "\n".join(model.added)
        self.skipped_text = "\n".join(model.skipped)
        self.show_error(model.error)

    def clear_password(self) -> None:
        if "password" in self.ids:
            self.ids.password.text = ""

    def paste(self) -> None:
        self.ids.source.text = (Clipboard.paste() or "").strip()

    def browse(self) -> None:
        popup: Any = Factory.FilePicker()
        typed = self.ids.source.text.strip()
        current = Path(typed).expanduser() if typed and "://" not in typed else Path.home()
        start = current if current.is_dir() else current.parent
        popup.ids.chooser.path = str(start if start.is_dir() else Path.home())
        popup.bind(on_chosen=lambda _popup, path: setattr(self.ids.source, "text", path))
        popup.open()


load_kv(__file__)
