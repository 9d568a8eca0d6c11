"""Exporting the accounts; its presenter is
:class:`~authenticator_app.presenters.export_accounts.ExportPresenter`."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from authenticator_app.presenters.export_accounts import ExportModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.base import AppScreen, load_kv

__all__ = ["ExportScreen"]


class ExportScreen(AppScreen):
    format = StringProperty("backup")
    busy = BooleanProperty(False)
    result = StringProperty("")
    count_text = StringProperty("")
    push_note = StringProperty("")

    def render(self, model: ExportModel) -> None:
        self.format = model.format
        self.busy = model.busy
        self.result = model.result
        self.count_text = model.count_text
        self.push_note = model.push_note
        if not self.ids.path.focus:
            self.ids.path.text = model.path
        self.show_error(model.error)

    def clear_passwords(self) -> None:
        for name in ("password", "repeat"):
            self.ids[name].text = ""

    def clear_overwrite(self) -> None:
        self.ids.overwrite.active = False


load_kv(__file__)
