"""Importing accounts; its presenter is
:class:`~authenticator_app.presenters.import_accounts.ImportPresenter`."""

from __future__ import annotations

from kivy.core.clipboard import Clipboard
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from authenticator_app.presenters.import_accounts import ImportModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.add_account_screen import ImagePicker, pick_file
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
        self.ids.password.text = ""  # kept by its Reveal while hidden

    def paste(self) -> None:
        self.ids.source.text = (Clipboard.paste() or "").strip()

    def browse(self) -> None:
        pick_file("FilePicker", self.ids.source)


load_kv(__file__)
