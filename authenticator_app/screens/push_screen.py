"""The push prompt (number matching); its presenter is
:class:`~authenticator_app.presenters.push.PushPresenter`."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from authenticator_app.presenters.push import PushModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.base import AppScreen, load_kv
from authenticator_app.screens.profile_screen import fill_details

__all__ = ["PushScreen"]


class PushScreen(AppScreen):
    visible = BooleanProperty(False)
    challenge_id = StringProperty("")
    title = StringProperty("")
    account = StringProperty("")
    mode = StringProperty("typed")
    instruction = StringProperty("")
    choices = ListProperty([])
    expires_in = NumericProperty(0)
    lifetime = NumericProperty(1)
    expires_text = StringProperty("")
    step = StringProperty("answer")
    others = NumericProperty(0)

    def render(self, model: PushModel) -> None:
        asking = model.step == "deny" and self.step != "deny"
        back_to_answer = model.step == "answer" and self.step == "deny"
        another = model.challenge_id != self.challenge_id
        self.visible = model.visible
        self.challenge_id = model.challenge_id
        self.title = model.title
        self.account = model.account
        self.mode = model.mode
        self.instruction = model.instruction
        self.choices = list(model.choices)
        self.expires_in = model.expires_in
        self.lifetime = model.lifetime
        self.expires_text = model.expires_text
        self.step = model.step
        self.others = model.others
        self.show_error(model.error)
        labels = [row.label for row in reversed(self.ids.context.children)]
        if labels != [line.label for line in model.context] or model.challenge_id != getattr(
            self, "_rendered_id", None
        ):
            fill_details(self.ids.context, model.context)
            self._rendered_id = model.challenge_id
        else:
            for row, line in zip(reversed(self.ids.context.children), model.context, strict=True):
                row.value = line.value

        if asking:  # the follow-up question is below the fold on a phone: bring it up
            Clock.schedule_once(
                lambda _dt: self.ids.scroll.scroll_to(self.ids.deny_card, animate=False), 0
            )
        elif another or back_to_answer:  # a new prompt (or "Retour") starts at its title
            self.ids.scroll.scroll_y = 1

    def clear_number(self) -> None:
        self.ids.number.text = ""

    def on_enter(self, *_args: object) -> None:
        if self.mode == "typed":
            self.ids.number.focus = True


load_kv(__file__)
