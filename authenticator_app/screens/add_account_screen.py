"""Adding an account; its presenter is
:class:`~authenticator_app.presenters.add_account.AddAccountPresenter`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.core.clipboard import Clipboard
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.popup import Popup

from authenticator_app.presenters.add_account import AddAccountModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.base import AppScreen, load_kv

__all__ = ["IMAGE_FILTERS", "AddAccountScreen", "pick_file"]

IMAGE_FILTERS = ["*.png", "*.jpg", "*.jpeg", "*.gif", "*.bmp", "*.webp", "*.PNG", "*.JPG"]


class AddAccountScreen(AppScreen):
    mode = StringProperty("link")
    busy = BooleanProperty(False)
    busy_text = StringProperty("")

    def render(self, model: AddAccountModel) -> None:
        self.mode = model.mode
        self.busy = model.busy
        self.busy_text = model.busy_text
        self.show_error(model.error)

    def clear_inputs(self) -> None:
        for name in ("link", "code", "server", "realm", "image_path"):
            self.ids[name].text = ""

    def paste_link(self) -> None:
        self.ids.link.text = (Clipboard.paste() or "").strip()

    def browse(self) -> None:
        """Pick an image with Kivy's file chooser (it works the same on every platform)."""
        pick_file("ImagePicker", self.ids.image_path, filters=IMAGE_FILTERS)


def pick_file(picker: str, field: Any, *, filters: list[str] | None = None) -> None:
    """Open the ``picker`` popup where ``field``'s path points (else the home folder); the
    chosen file's path goes into ``field``."""
    popup: Any = Factory.get(picker)()
    typed = field.text.strip()
    current = Path(typed).expanduser() if typed and "://" not in typed else Path.home()
    start = current if current.is_dir() else current.parent
    popup.ids.chooser.path = str(start if start.is_dir() else Path.home())
    if filters is not None:
        popup.ids.chooser.filters = filters
    popup.bind(on_chosen=lambda _popup, path: setattr(field, "text", path))
    popup.open()


class ImagePicker(Popup):  # type: ignore[misc]
    __events__ = ("on_chosen",)

    def choose(self, selection: list[str]) -> None:
        if selection:
            self.dispatch("on_chosen", selection[0])
            self.dismiss()

    def on_chosen(self, path: str) -> None:
        pass


Factory.register("ImagePicker", cls=ImagePicker)
load_kv(__file__)
