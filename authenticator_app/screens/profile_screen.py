"""An account's profile; its presenter is
:class:`~authenticator_app.presenters.profile.ProfilePresenter`."""

from __future__ import annotations

from collections.abc import Sequence

from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget

from authenticator_app.presenters.profile import DetailLine, ProfileModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.base import AppScreen, load_kv

__all__ = ["ProfileScreen", "fill_details"]


def fill_details(box: Widget, lines: Sequence[DetailLine]) -> None:
    """Replace ``box``'s rows with one label/value row per line."""
    box.clear_widgets()
    for line in lines:
        box.add_widget(Factory.DetailRow(label=line.label, value=line.value))


class ProfileScreen(AppScreen):
    account_id = StringProperty("")
    title = StringProperty("")
    issuer = StringProperty("")
    account_name = StringProperty("")
    kinds_text = StringProperty("")
    has_code = BooleanProperty(False)
    code = StringProperty("")
    code_revealed = BooleanProperty(True)
    remaining = NumericProperty(0)
    period = NumericProperty(0)
    can_change_password = BooleanProperty(False)
    can_open_profile = BooleanProperty(False)
    has_device = BooleanProperty(False)
    renaming = BooleanProperty(False)
    confirming_removal = BooleanProperty(False)
    removal_text = StringProperty("")
    offer_local_removal = BooleanProperty(False)
    busy = BooleanProperty(False)
    link = StringProperty("")

    def render(self, model: ProfileModel) -> None:
        if model.account_id != self.account_id or (model.renaming and not self.renaming):
            self.ids.new_name.text = model.name
        self.account_id = model.account_id
        self.title = model.title
        self.issuer = model.issuer
        self.account_name = model.name
        self.kinds_text = model.kinds_text
        self.has_code = model.has_code
        self.code = model.code
        self.code_revealed = model.code_revealed
        self.remaining = model.remaining
        self.period = model.period
        self.can_change_password = model.can_change_password
        self.can_open_profile = model.can_open_profile
        self.has_device = bool(model.device)
        self.renaming = model.renaming
        self.confirming_removal = model.confirming_removal
        self.removal_text = model.removal_text
        self.offer_local_removal = model.offer_local_removal
        self.busy = model.busy
        self.link = model.link
        self.show_error(model.error)
        if [r.label for r in self.ids.details.children][::-1] != [d.label for d in model.details]:
            fill_details(self.ids.details, model.details)
        else:
            for row, line in zip(reversed(self.ids.details.children), model.details, strict=True):
                row.value = line.value
        fill_details(self.ids.device, model.device)


load_kv(__file__)
