"""The window's content: the screen manager and, above it, the snackbar."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import SlideTransition

from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.base import AppScreen, load_kv

__all__ = ["AppRoot"]

TRANSITION_SECONDS = 0.18


class AppRoot(FloatLayout):  # type: ignore[misc]
    manager: Any = ObjectProperty(None)
    snackbar: Any = ObjectProperty(None)

    def add_screen(self, screen: AppScreen) -> None:
        self.manager.add_widget(screen)

    def screen(self, name: str) -> Any:
        return self.manager.get_screen(name)

    @property
    def current(self) -> str:
        return str(self.manager.current)

    def go(self, name: str, *, forward: bool = True) -> None:
        if self.manager.current == name:
            return
        # A screen asked for while another slide runs (a prompt arriving as the previous one
        # closes): finish that slide first, or when it ends it takes its outgoing screen, which
        # is now the current one, off the window.
        if self.manager.transition.is_active:
            self.manager.transition.stop()
        self.manager.transition = SlideTransition(
            direction="left" if forward else "right", duration=TRANSITION_SECONDS
        )
        self.manager.current = name

    def notice(self, text: str) -> None:
        self.snackbar.show(text)


load_kv(__file__)
