"""The privacyIDEA push prompt; its presenter is
:class:`~authenticator_app.presenters.pipush.PiPushPresenter`."""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from authenticator_app.presenters.pipush import PiPushModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.base import AppScreen, load_kv

__all__ = ["PiPushScreen"]


class PiPushScreen(AppScreen):
    visible = BooleanProperty(False)
    key = StringProperty("")
    title = StringProperty("")
    account = StringProperty("")
    question = StringProperty("")
    instruction = StringProperty("")
    choices = ListProperty([])
    step = StringProperty("answer")
    others = NumericProperty(0)

    def render(self, model: PiPushModel) -> None:
        another = model.key != self.key or list(model.choices) != self.choices
        self.visible = model.visible
        self.key = model.key
        self.title = model.title
        self.account = model.account
        self.question = model.question
        self.instruction = model.instruction
        self.choices = list(model.choices)
        self.step = model.step
        self.others = model.others
        self.show_error(model.error)
        if another:
            self._fill_choices()
            self.ids.scroll.scroll_y = 1

    def _fill_choices(self) -> None:
        """One button per privacyIDEA presence option (2 to 10 of them)."""
        grid = self.ids.choice_grid
        grid.clear_widgets()
        for index, option in enumerate(self.choices):
            button = Factory.PiChoiceButton(text=option)
            button.bind(on_release=lambda _b, picked=option: self.presenter.choose(picked))
            self.ids[f"pi_choice_{index}"] = button
            grid.add_widget(button)


load_kv(__file__)
