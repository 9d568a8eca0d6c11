"""The lock screen (PIN); its presenter is
:class:`~authenticator_app.presenters.lock.LockPresenter`."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from authenticator_app.presenters.lock import LockModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.base import AppScreen, load_kv

__all__ = ["LockScreen"]


class LockScreen(AppScreen):
    title = StringProperty("")
    prompt = StringProperty("")
    submit_label = StringProperty("")
    wait_text = StringProperty("")
    wait_seconds = NumericProperty(0)
    busy = BooleanProperty(False)

    def render(self, model: LockModel) -> None:
        self.title = model.title
        self.prompt = model.prompt
        self.submit_label = model.submit_label
        self.wait_text = model.wait_text
        self.wait_seconds = model.wait_seconds
        self.busy = model.busy
        self.show_error(model.error)

    def clear_pin(self) -> None:
        self.ids.pin.text = ""

    def submit(self) -> None:
        if self.presenter is not None:
            self.presenter.submit(self.ids.pin.text)


load_kv(__file__)
