"""The app's shared widgets (their look is in ``widgets.kv``): buttons, fields, cards, the
number pad, the countdown ring and bar, the status line and the snackbar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from authenticator_app.screens.theme import COLORS

__all__ = [
    "AppButton",
    "CountdownBar",
    "CountdownRing",
    "DetailRow",
    "ErrorBox",
    "NumberField",
    "NumberPad",
    "Reveal",
    "Snackbar",
    "TextField",
]


class AppButton(ButtonBehavior, Label):  # type: ignore[misc]
    """A flat, rounded button with a large touch target."""

    bg_color = ColorProperty(COLORS["primary"])
    fg_color = ColorProperty(COLORS["on_primary"])
    border_color = ColorProperty((0, 0, 0, 0))


class Reveal(BoxLayout):  # type: ignore[misc]
    """A vertical box whose children are there only while ``shown`` (no hidden widget can
    take a touch, and it takes no room)."""

    shown = BooleanProperty(True)

    def __init__(self, **kwargs: Any) -> None:
        self._kept: list[Widget] = []
        super().__init__(**kwargs)

    def add_widget(self, widget: Widget, *args: Any, **kwargs: Any) -> None:
        if not self.shown:
            self._kept.append(widget)
            return
        super().add_widget(widget, *args, **kwargs)

    def on_shown(self, _instance: Any, shown: bool) -> None:
        if shown:
            kept, self._kept = self._kept, []
            for widget in kept:
                super().add_widget(widget)
        else:
            self._kept = list(reversed(self.children)) + self._kept
            self.clear_widgets()


class ErrorBox(BoxLayout):  # type: ignore[misc]
    """An error in words (title and translated text). Its stable code is for support and
    testers only: it sits under « Détails », collapsed, and collapses again for a new error."""

    title = StringProperty("")
    text = StringProperty("")
    code = StringProperty("")
    details_open = BooleanProperty(False)

    def on_code(self, _instance: Any, _code: str) -> None:
        self.details_open = False

    def on_text(self, _instance: Any, text: str) -> None:
        # A new error is scrolled into view (it may be below the fold on a phone); the content
        # above it scrolls up as a whole instead of being pushed down.
        if text:
            Clock.schedule_once(lambda _dt: self._scroll_into_view(), 0)

    def toggle_details(self) -> None:
        self.details_open = not self.details_open
        if self.details_open:  # the revealed line may be below the fold on a phone
            Clock.schedule_once(lambda _dt: self._scroll_into_view(), 0)

    def _scroll_into_view(self) -> None:
        parent = self.parent
        while parent is not None and not isinstance(parent, ScrollView):
            # The window is its own parent: a box outside any scroll view stops there.
            parent = parent.parent if parent.parent is not parent else None
        if parent is None or self.get_root_window() is None or not parent.children:
            return
        if parent.children[0].height > parent.height:  # scrolling a content that fits moves it
            parent.scroll_to(self, padding=dp(8), animate=False)


class DetailRow(BoxLayout):  # type: ignore[misc]
    """A label and its value, side by side."""

    label = StringProperty("")
    value = StringProperty("")


class TextField(TextInput):  # type: ignore[misc]
    """A one-line text field."""


class NumberField(TextField):
    """Digits only, at most ``max_length`` of them."""

    max_length = NumericProperty(2)

    def insert_text(self, substring: str, from_undo: bool = False) -> Any:
        digits = "".join(ch for ch in substring if ch.isdigit())
        room = max(0, int(self.max_length) - len(self.text))
        return super().insert_text(digits[:room], from_undo=from_undo)


class CountdownRing(Widget):  # type: ignore[misc]
    """A ring that empties as a TOTP period runs out, with the seconds left inside."""

    remaining = NumericProperty(0)
    period = NumericProperty(30)
    color = ColorProperty(COLORS["primary"])


class CountdownBar(Widget):  # type: ignore[misc]
    value = NumericProperty(0)
    maximum = NumericProperty(1)
    color = ColorProperty(COLORS["primary"])


class NumberPad(GridLayout):  # type: ignore[misc]
    """Digits, erase and OK, typing into ``target`` (a TextInput) up to ``max_length``."""

    target = ObjectProperty(None, allownone=True)
    max_length = NumericProperty(0)
    """0: no limit."""
    submit_text = StringProperty("OK")
    show_submit = BooleanProperty(True)
    __events__ = ("on_submit",)

    def press(self, key: str) -> None:
        target = self.target
        if target is None:
            return
        if key == "back":
            target.text = target.text[:-1]
        elif key == "ok":
            self.dispatch("on_submit")
        elif not self.max_length or len(target.text) < self.max_length:
            target.text += key

    def on_submit(self, *_args: Any) -> None:
        pass


class Snackbar(BoxLayout):  # type: ignore[misc]
    """A message at the bottom that goes away by itself."""

    text = StringProperty("")
    shown = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._hide_event: Any = None

    def show(self, text: str, seconds: float = 4.0) -> None:
        self.text = text
        Animation.cancel_all(self, "shown")
        Animation(shown=1, duration=0.15).start(self)
        if self._hide_event is not None:
            self._hide_event.cancel()
        self._hide_event = Clock.schedule_once(lambda _dt: self.hide(), seconds)

    def hide(self) -> None:
        Animation.cancel_all(self, "shown")
        Animation(shown=0, duration=0.2).start(self)


Builder.load_file(str(Path(__file__).with_name("widgets.kv")))
