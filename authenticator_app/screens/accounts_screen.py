"""The home screen ("écran d'accueil"): the accounts with their codes; its presenter is
:class:`~authenticator_app.presenters.accounts.AccountsPresenter`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from authenticator_app.presenters.accounts import AccountsModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.base import AppScreen, load_kv

__all__ = ["AccountRowView", "AccountsScreen"]


class AccountRowView(ButtonBehavior, BoxLayout):  # type: ignore[misc]
    """One account in the list (a RecycleView item: its properties come from the row model)."""

    account_id = StringProperty("")
    issuer = StringProperty("")
    name = StringProperty("")
    code = StringProperty("")
    caption = StringProperty("")
    remaining = NumericProperty(0)
    period = NumericProperty(0)
    push = BooleanProperty(False)
    push_only = BooleanProperty(False)
    screen: Any = None

    def on_release(self) -> None:
        screen = self.screen
        if screen is not None and screen.presenter is not None:
            screen.presenter.open(self.account_id)


class AccountsScreen(AppScreen):
    empty_text = StringProperty("")
    status_text = StringProperty("")
    status_level = StringProperty("ok")
    total = NumericProperty(0)

    def render(self, model: AccountsModel) -> None:
        self.ids.rows.data = [{**asdict(row), "screen": self} for row in model.rows]
        self.empty_text = model.empty_text
        self.status_text = model.status.text
        self.status_level = model.status.level
        self.total = model.total
        if self.ids.search.text != model.query:
            self.ids.search.text = model.query

    def row_views(self) -> list[AccountRowView]:
        """The row widgets on screen (for tests and screenshots)."""
        return [w for w in self.ids.rows.layout_manager.children if isinstance(w, AccountRowView)]


load_kv(__file__)
