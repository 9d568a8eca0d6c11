"""Settings; its presenter is :class:`~authenticator_app.presenters.settings.SettingsPresenter`."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty

from authenticator_app.presenters.settings import SettingsModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.base import AppScreen, load_kv
from authenticator_app.screens.profile_screen import fill_details

__all__ = ["SettingsScreen"]


class SettingsScreen(AppScreen):
    languages = ListProperty([])
    """``[(code, label, selected), ...]``"""
    pin_busy = BooleanProperty(False)

    def render(self, model: SettingsModel) -> None:
        self.languages = [(c.code, c.label, c.selected) for c in model.languages]
        self.pin_busy = model.pin_busy
        self.show_error(model.pin_error)
        fill_details(self.ids.about, model.about)

    def clear_pins(self) -> None:
        for name in ("current_pin", "new_pin", "repeat_pin"):
            self.ids[name].text = ""


load_kv(__file__)
