"""A Kivy camera provider fed from pictures instead of a sensor (the machine has no camera).

:func:`image_camera` makes a :class:`kivy.core.camera.CameraBase` subclass that behaves like
Kivy's OpenCV provider: a texture made on the first picture and flipped for display, each
picture's RGB rows blitted into it at the camera's rate, ``on_load`` then ``on_texture``. The
app takes it as ``AppServices(camera_provider=...)``; the screen and presenter above it are
the real ones.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kivy.clock import Clock
from kivy.core.camera import CameraBase
from kivy.graphics.texture import Texture

__all__ = ["BrokenCamera", "image_camera"]


def image_camera(pictures: list[Any], *, fps: float = 15.0) -> type[CameraBase]:
    """A camera class showing ``pictures`` (Pillow images) in turn, looping; the list may be
    changed while it runs (what the camera sees next). ``opened`` counts the cameras made."""

    class ImageCamera(CameraBase):  # type: ignore[misc]
        instances: ClassVar[list[ImageCamera]] = []

        def init_camera(self) -> None:
            self.shown = 0
            self._event: Any = None
            ImageCamera.instances.append(self)

        def start(self) -> None:
            super().start()
            if self._event is None:
                self._event = Clock.schedule_interval(self._update, 1 / fps)

        def stop(self) -> None:
            super().stop()
            if self._event is not None:
                self._event.cancel()
                self._event = None

        def _update(self, _dt: float) -> None:
            if self.stopped or not pictures:
                return
            picture = pictures[self.shown % len(pictures)].convert("RGB")
            picture = picture.resize(self.resolution)
            if self._texture is None:
                self._texture = Texture.create(size=self.resolution, colorfmt="rgb")
                self._texture.flip_vertical()
                self.dispatch("on_load")
            self._buffer = picture.tobytes()
            self._format = "rgb"
            self.shown += 1
            self._copy_to_gpu()

    return ImageCamera


class BrokenCamera(CameraBase):  # type: ignore[misc]
    """A provider whose device does not open (what OpenCV does without a camera)."""

    def init_camera(self) -> None:
        raise OSError("VIDEOIO(V4L2:/dev/video0): can't open camera by index")
