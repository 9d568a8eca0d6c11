"""Scanning a QR code with the camera, for the add-account screen.

The screen owns the camera (Kivy's camera provider: OpenCV or GStreamer on a desktop, the
platform camera on Android) and hands each new picture over lazily; this presenter asks for the
camera permission first, decodes at most one picture every :data:`DECODE_INTERVAL` seconds off
the UI thread (:func:`~authenticator_app.presenters.qr_frames.decode_frame`), and hands the
first account link it reads to ``on_scanned``, which feeds it to the same path as a pasted link
(same validation, same errors). What goes wrong is explained, with a way out: no camera or no
picture from it (``camera_unavailable``), the permission refused (``camera_permission_denied``),
a QR code that is not an account link (``qr_not_an_account``, scanning goes on), and, after a
while without any readable code, a hint on how to hold the phone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from authenticator_app.core.errors import AuthenticatorError
from authenticator_app.i18n import Translator
from authenticator_app.presenters.errors import AppInputError, ErrorNotice, describe_error
from authenticator_app.presenters.navigation import Navigator
from authenticator_app.presenters.qr_frames import Frame, decode_frame
from authenticator_app.presenters.runner import Runner

__all__ = [
    "DECODE_INTERVAL",
    "FIRST_PICTURE_TIMEOUT",
    "HINT_AFTER",
    "AskPermission",
    "ScanModel",
    "ScanPresenter",
    "ScanState",
    "ScanView",
]

DECODE_INTERVAL: Final = 0.25
"""Seconds between two decoded pictures: about 10 ms of libzbar each, 4 a second is plenty."""
FIRST_PICTURE_TIMEOUT: Final = 8.0
"""A camera that opened but sends no picture in this time is as good as none."""
HINT_AFTER: Final = 12.0
"""Seconds of pictures without a readable code before the hint on how to hold the phone."""

ScanState = Literal["idle", "asking", "scanning", "failed", "done"]
AskPermission = Callable[[Callable[[bool], None]], None]
"""Ask for the camera permission; the answer (granted or not) comes back on the UI thread."""


@dataclass(frozen=True, slots=True)
class ScanModel:
    state: ScanState
    hint: str = ""
    error: ErrorNotice | None = None

    @property
    def camera_on(self) -> bool:
        return self.state == "scanning"


class ScanView(Protocol):
    def render(self, model: ScanModel) -> None: ...

    def open_camera(self) -> None:
        """Start the camera (:class:`AuthenticatorError` ``camera_unavailable`` when none)."""

    def close_camera(self) -> None:
        """Stop the camera (nothing when it is not open)."""


class ScanPresenter:
    def __init__(
        self,
        view: ScanView,
        *,
        navigator: Navigator,
        translator: Translator,
        runner: Runner,
        ask_permission: AskPermission,
        on_scanned: Callable[[str], None],
        on_paste_instead: Callable[[], None],
        is_account_link: Callable[[str], bool],
        decode: Callable[[Frame], list[str]] = decode_frame,
        ticker: Callable[[], float] = time.monotonic,
    ) -> None:
        self.view = view
        self._nav = navigator
        self._ = translator
        self._runner = runner
        self._ask_permission = ask_permission
        self._on_scanned = on_scanned
        self._on_paste_instead = on_paste_instead
        self._is_account_link = is_account_link
        self._decode = decode
        self._ticker = ticker
        self._state: ScanState = "idle"
        self._error: ErrorNotice | None = None
        self._long_hint = False
        self._attempt = 0
        self._started_at = 0.0
        self._pictures = 0
        self._decoding = False
        self._last_decode = float("-inf")

    @property
    def state(self) -> ScanState:
        return self._state

    # --- the screen's life ----------------------------------------------------------------

    def start(self) -> None:
        """The screen is shown: ask for the camera, then scan."""
        self.view.close_camera()
        self._attempt += 1  # an answer to an older request (screen left meanwhile) is ignored
        self._state, self._error, self._long_hint = "asking", None, False
        self._pictures, self._decoding, self._last_decode = 0, False, float("-inf")
        self.refresh()
        attempt = self._attempt
        self._ask_permission(lambda granted: self._permitted(attempt, granted))

    def stop(self) -> None:
        """Leaving the screen (or the app paused, or locked): the camera goes off."""
        self._attempt += 1
        if self._state in {"asking", "scanning"}:
            self._state = "idle"
        self.view.close_camera()

    def back(self) -> None:
        self.stop()
        self._nav.back()

    def paste_instead(self) -> None:
        """The way out when the camera cannot help: the link field of the add screen."""
        self.stop()
        self._on_paste_instead()

    def refresh(self) -> None:
        self.view.render(ScanModel(state=self._state, hint=self._hint(), error=self._error))

    def _hint(self) -> str:
        _ = self._
        if self._state == "asking":
            return _("Ouverture de la caméra…")
        if self._state == "scanning" and self._long_hint:
            return _(
                "Aucun code QR lisible pour l’instant : rapprochez l’appareil, tenez-le "
                "immobile, dans un endroit bien éclairé."
            )
        if self._state == "scanning":
            return _("Placez le code QR dans le cadre.")
        if self._state == "done":
            return _("Code QR lu.")
        return ""

    # --- the camera -----------------------------------------------------------------------

    def _permitted(self, attempt: int, granted: bool) -> None:
        if attempt != self._attempt or self._state != "asking":
            return
        if not granted:
            self._fail(AppInputError("camera_permission_denied"))
            return
        try:
            self.view.open_camera()
        except AuthenticatorError as error:
            self._fail(error)
            return
        self._state = "scanning"
        self._started_at = self._ticker()
        self.refresh()

    def picture(self, grab: Callable[[], Frame]) -> None:
        """The camera has a new picture; ``grab`` reads it (on the UI thread) when wanted."""
        if self._state != "scanning":
            return
        self._pictures += 1
        now = self._ticker()
        if self._decoding or now - self._last_decode < DECODE_INTERVAL:
            return
        self._decoding, self._last_decode = True, now
        frame = grab()
        attempt = self._attempt
        self._runner.submit(
            lambda: self._decode(frame),
            lambda texts: self._decoded(attempt, texts),
            lambda error: self._decode_failed(attempt, error),
        )

    def tick(self) -> None:
        """Once a second: a camera that stays dark, and the hint after a while."""
        if self._state != "scanning":
            return
        waited = self._ticker() - self._started_at
        if self._pictures == 0 and waited >= FIRST_PICTURE_TIMEOUT:
            self._fail(AppInputError("camera_unavailable", "no picture from the camera"))
        elif waited >= HINT_AFTER and not self._long_hint and self._error is None:
            self._long_hint = True
            self.refresh()

    def _decoded(self, attempt: int, texts: list[str]) -> None:
        self._decoding = False
        if attempt != self._attempt or self._state != "scanning":
            return
        links = [text.strip() for text in texts if self._is_account_link(text)]
        if links:
            self._attempt += 1
            self._state, self._error = "done", None
            self.view.close_camera()
            self.refresh()
            self._on_scanned(links[0])
        elif texts:
            # Another kind of QR code (a web address, a Wi-Fi code...): say so, keep looking.
            self._error = describe_error(AppInputError("qr_not_an_account"), self._)
            self.refresh()

    def _decode_failed(self, attempt: int, error: AuthenticatorError) -> None:
        self._decoding = False
        if attempt == self._attempt and self._state == "scanning":
            self._fail(error)

    def _fail(self, error: AuthenticatorError) -> None:
        """Scanning cannot go on: the camera goes off, the error and the ways out show."""
        self._attempt += 1
        self._state = "failed"
        self.view.close_camera()
        self._error = describe_error(error, self._)
        self.refresh()
