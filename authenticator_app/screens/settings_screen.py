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
    idle_choices = ListProperty([])
    """``[(seconds, label, selected), ...]``"""

    def render(self, model: SettingsModel) -> None:
        self.languages = [(c.code, c.label, c.selected) for c in model.languages]
        self.idle_choices = [(c.seconds, c.label, c.selected) for c in model.idle_choices]
        self.pin_busy = model.pin_busy
        self.show_error(model.pin_error)
        fill_details(self.ids.about, model.about)
        self._render_clock(model)

    def _render_clock(self, model: SettingsModel) -> None:
        # ``ids`` holds weak proxies: once the card leaves the tree, only this strong reference
        # keeps it (and its fields) alive for the next render.
        card = getattr(self, "_clock_card", None)
        if card is None:
            card = self._clock_card = self.ids.clock_card.__self__
        if model.clock_offset is None:
            if card.parent is not None:  # not in test mode: the card is not shown at all
                self._clock_column = card.parent
                card.parent.remove_widget(card)
            return
        if card.parent is None and getattr(self, "_clock_column", None) is not None:
            self._clock_column.add_widget(card, index=4)  # above « Verrouiller maintenant »
        if not self.ids.clock_offset.focus:
            self.ids.clock_offset.text = model.clock_offset
        box, error = self.ids.clock_error, model.clock_error
        box.title, box.text, box.code = (
            (error.title, error.text, error.code) if error else ("", "", "")
        )

    @staticmethod
    def idle_text(seconds: int, choices: list[tuple[int, str, bool]]) -> str:
        return next((label for s, label, _selected in choices if s == seconds), "")

    @staticmethod
    def idle_selected(seconds: int, choices: list[tuple[int, str, bool]]) -> bool:
        return any(s == seconds and selected for s, _label, selected in choices)

    def clear_pins(self) -> None:
        for name in ("current_pin", "new_pin", "repeat_pin"):
            self.ids[name].text = ""


load_kv(__file__)
