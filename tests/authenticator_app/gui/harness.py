"""Drive the real app in a real Kivy window (Xvfb in CI), in this process, frame by frame.

:class:`GuiHarness` builds an :class:`~authenticator_app.app.AuthenticatorApp`, attaches it to
the one window of the process, and steps Kivy's event loop itself (``EventLoop.idle``: clock,
input, layout, drawing). Touches are real motion events: a touch down then up at a widget's
window coordinates, queued into the event loop's input like a touchscreen's, so they go
through the window, scroll views and every widget on the way (nothing calls ``on_press``).
Typing goes through the window's keyboard events to the focused text field.

The caller sets ``KIVY_NO_ARGS``, ``KIVY_NO_CONSOLELOG`` and ``KIVY_HOME`` before Kivy is
imported (``conftest.py`` does; so does ``scripts/app_screenshots.py``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from authenticator_app.app import AppServices, AuthenticatorApp

# isort: split

from kivy.app import App
from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.input.motionevent import MotionEvent
from kivy.uix.recycleview import RecycleView
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

__all__ = ["GuiHarness", "SimulatedTouch"]

_touch_ids = itertools.count(1000)


class SimulatedTouch(MotionEvent):  # type: ignore[misc]
    """A finger on the screen at window pixel (x, y)."""

    def __init__(self, x: float, y: float) -> None:
        width, height = Window.size
        super().__init__(
            "simulated",
            next(_touch_ids),
            {"sx": x / max(width - 1, 1), "sy": y / max(height - 1, 1)},
            is_touch=True,
            type_id="touch",
        )

    def depack(self, args: dict[str, float]) -> None:
        self.sx, self.sy = args["sx"], args["sy"]
        self.profile = ["pos"]
        super().depack(args)


class GuiHarness:
    def __init__(self, app: AuthenticatorApp) -> None:
        self.app = app

    # --- life ------------------------------------------------------------------------------

    @classmethod
    def start(cls, services: AppServices, size: tuple[int, int]) -> GuiHarness:
        services.window_size = None  # the test decides
        app = AuthenticatorApp(services)
        app._run_prepare()
        if EventLoop.status != "started":
            EventLoop.start()
        harness = cls(app)
        harness.resize(size)
        return harness

    def resize(self, size: tuple[int, int]) -> None:
        Window.size = size
        self.wait(lambda: tuple(Window.size) == tuple(size), what=f"window size {size}")
        self.frames(5)

    def close(self) -> None:
        app = self.app
        app.dispatch("on_stop")
        for child in list(Window.children):
            Window.remove_widget(child)
        App._running_app = None
        for _ in range(3):
            EventLoop.idle()

    # --- time -----------------------------------------------------------------------------

    def frames(self, count: int = 1) -> None:
        for _ in range(count):
            EventLoop.idle()

    def wait(
        self, predicate: Callable[[], object], *, timeout: float = 15.0, what: str = ""
    ) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or predicate}")
            EventLoop.idle()

    def settle(self) -> None:
        """Wait for screen transitions and background work to finish."""
        manager = self.app.root_widget.manager  # type: ignore[union-attr]
        self.wait(
            lambda: not manager.transition.is_active and self.app.runner.busy == 0,
            what="transitions and background work",
        )
        self.frames(3)

    # --- looking --------------------------------------------------------------------------

    @property
    def current(self) -> str:
        return self.app.current

    def screen(self, name: str | None = None) -> Any:
        return self.app.root_widget.screen(name or self.current)  # type: ignore[union-attr]

    def widget(self, widget_id: str, screen: str | None = None) -> Any:
        return self.screen(screen).ids[widget_id]

    def texts(self, root: Widget | None = None) -> list[str]:
        """Every label text under ``root`` (the current screen by default)."""
        return [
            w.text
            for w in _walk(root or self.screen())
            if isinstance(getattr(w, "text", None), str)
        ]

    def shows(self, text: str, root: Widget | None = None) -> bool:
        """Whether a widget with this exact ``text`` (under the current screen by default) can
        be seen: its centre inside the window and inside every scroll view around it (not
        scrolled away), some height, and neither it nor an ancestor at opacity 0 (an empty
        error box, a hidden status line)."""
        return any(
            getattr(widget, "text", None) == text and self._visible(widget)
            for widget in _walk(root or self.screen())
        )

    def _visible(self, widget: Widget) -> bool:
        if widget.height <= 0 or not _opaque(widget) or widget.get_root_window() is None:
            return False
        x, y = self.window_position(widget)
        width, height = Window.size
        if not (0 <= x < width and 0 <= y < height):
            return False
        for ancestor in _ancestors(widget):
            if isinstance(ancestor, ScrollView):
                left, bottom = ancestor.to_window(ancestor.x, ancestor.y)
                if not (
                    left <= x <= left + ancestor.width and bottom <= y <= bottom + ancestor.height
                ):
                    return False
        return True

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.frames(2)
        self.app.root_widget.export_to_png(str(path))  # type: ignore[union-attr]
        return path

    # --- acting ---------------------------------------------------------------------------

    def bring_into_view(self, widget: Widget) -> None:
        """Scroll the enclosing scroll view when ``widget`` is outside its visible part."""
        for ancestor in _ancestors(widget):
            if not isinstance(ancestor, ScrollView):
                continue
            x, y = self.window_position(widget)
            left, bottom = ancestor.to_window(ancestor.x, ancestor.y)
            if not (left <= x <= left + ancestor.width and bottom <= y <= bottom + ancestor.height):
                if isinstance(ancestor, RecycleView):
                    raise AssertionError(f"{widget} is scrolled out of its list")
                ancestor.scroll_to(widget, padding=20, animate=False)
                self.frames(3)
            return

    def window_position(self, widget: Widget) -> tuple[float, float]:
        return widget.to_window(*widget.center)

    def tap(self, widget: Widget) -> None:
        """Touch ``widget``'s centre and lift the finger, through the window."""
        self.settle()
        self.bring_into_view(widget)
        x, y = self.window_position(widget)
        width, height = Window.size
        if not (0 <= x < width and 0 <= y < height):
            raise AssertionError(f"{widget} is off screen at {(x, y)} in {Window.size}")
        if widget.get_root_window() is None:
            raise AssertionError(f"{widget} is not in the window")
        touch = SimulatedTouch(x, y)
        EventLoop._dispatch_input("begin", touch)
        self.frames(2)
        EventLoop._dispatch_input("end", touch)
        self.frames(2)

    def tap_id(self, widget_id: str) -> None:
        self.tap(self.widget(widget_id))

    def type_into(self, field: Widget, text: str) -> None:
        """Tap a text field (it takes the keyboard), then type ``text`` on the keyboard."""
        self.tap(field)
        self.wait(lambda: field.focus, what="the field to take the keyboard")
        Window.dispatch("on_textinput", text)
        self.frames(2)

    def enter_pin(self, pin: str) -> None:
        """Tap ``pin`` on the lock screen's keypad, then OK."""
        self.settle()
        if self.current != "lock":
            raise AssertionError(f"the lock screen is not shown ({self.current})")
        keys = {child.text: child for child in self.widget("pad").children}
        for digit in pin:
            self.tap(keys[digit])
        if self.widget("pin").text != pin:
            raise AssertionError(f"the PIN field shows {self.widget('pin').text!r}")
        self.tap(keys["OK"])
        self.settle()

    def press_enter(self) -> None:
        Window.dispatch("on_key_down", 13, 40, "\r", [])
        Window.dispatch("on_key_up", 13, 40)
        self.frames(2)


def _walk(widget: Widget) -> Iterator[Widget]:
    yield widget
    for child in widget.children:
        yield from _walk(child)


def _opaque(widget: Widget) -> bool:
    return widget.opacity > 0 and all(a.opacity > 0 for a in _ancestors(widget))


def _ancestors(widget: Widget) -> Iterator[Widget]:
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        yield parent
        parent = parent.parent
