"""Scanning a QR code with the camera; its presenter is
:class:`~authenticator_app.presenters.scan.ScanPresenter`.

The camera is Kivy's camera provider (``kivy.core.camera.Camera``: OpenCV or GStreamer on a
desktop, the platform camera on Android), or the one the app is given (tests feed pictures
from image files). The screen shows its pictures and hands each new one to the presenter as a
lazy :class:`~authenticator_app.presenters.qr_frames.Frame`: the pixels are read back from the
texture only for the pictures the presenter decodes.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from authenticator_app.presenters.errors import AppInputError
from authenticator_app.presenters.qr_frames import Frame
from authenticator_app.presenters.scan import ScanModel
from authenticator_app.screens import widgets  # noqa: F401 - the shared kv rules
from authenticator_app.screens.base import AppScreen, load_kv

__all__ = ["CAMERA_RESOLUTION", "ScanScreen", "kivy_camera_provider"]

log = logging.getLogger(__name__)
CAMERA_RESOLUTION = (640, 480)


def kivy_camera_provider() -> Any:
    """The camera class Kivy selected for this platform, or None when none loads."""
    from kivy.core.camera import Camera

    return Camera


def texture_frame(texture: Any) -> Frame:
    """The texture's pixels; Kivy reads them back as RGBA, rows in the texture's order (a
    texture flipped for display, as OpenCV's, holds its rows top to bottom)."""
    width, height = (int(n) for n in texture.size)
    return Frame(
        width=width,
        height=height,
        pixels=bytes(texture.pixels),
        format="rgba",
        bottom_up=texture.uvsize[1] > 0,
    )


class ScanScreen(AppScreen):
    state = StringProperty("idle")
    hint = StringProperty("")
    camera_on = BooleanProperty(False)
    camera_provider: Any = None
    """The camera class (Kivy's provider interface); None: :func:`kivy_camera_provider`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._camera: Any = None

    def render(self, model: ScanModel) -> None:
        self.state = model.state
        self.hint = model.hint
        self.camera_on = model.camera_on
        self.show_error(model.error)

    def open_camera(self) -> None:
        provider = self.camera_provider or kivy_camera_provider()
        if provider is None:
            raise AppInputError("camera_unavailable", "no camera provider loads on this device")
        self.close_camera()
        try:
            camera = provider(index=0, resolution=CAMERA_RESOLUTION, stopped=True)
            camera.bind(on_texture=self._on_texture)
            camera.start()
        except Exception as exc:
            # The providers raise what their backend raises (OpenCV, GStreamer, pyjnius's
            # JavaException): whatever it is, there is no camera to scan with.
            log.info("the camera did not open: %s", exc)
            raise AppInputError("camera_unavailable", f"{type(exc).__name__}: {exc}") from None
        self._camera = camera

    def close_camera(self) -> None:
        camera, self._camera = self._camera, None
        self.ids.preview.texture = None
        if camera is not None:
            camera.unbind(on_texture=self._on_texture)
            try:
                camera.stop()
            except Exception as exc:  # a camera that fails to stop is stopped for us anyway
                log.info("the camera did not stop cleanly: %s", exc)

    def _on_texture(self, camera: Any) -> None:
        texture = camera.texture
        if texture is None or camera is not self._camera:
            return
        preview = self.ids.preview
        if preview.texture is not texture:
            preview.texture = texture
        preview.canvas.ask_update()
        if self.presenter is not None:
            self.presenter.picture(lambda: texture_frame(texture))


load_kv(__file__)
