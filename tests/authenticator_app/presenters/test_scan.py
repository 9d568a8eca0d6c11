"""The camera scan presenter: permission, camera, pictures decoded for real (segno codes in raw
pixels), throttling, and every way it can go wrong. The camera itself is the fake view's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from authenticator_app.i18n import Translator
from authenticator_app.presenters.add_account import is_account_link
from authenticator_app.presenters.errors import AppInputError
from authenticator_app.presenters.qr_frames import Frame
from authenticator_app.presenters.runner import ImmediateRunner
from authenticator_app.presenters.scan import (
    DECODE_INTERVAL,
    FIRST_PICTURE_TIMEOUT,
    HINT_AFTER,
    ScanModel,
    ScanPresenter,
)
from tests.authenticator_app.factories import RFC_SECRET
from tests.authenticator_app.presenters.conftest import FakeNavigator, QueuedRunner
from tests.authenticator_app.qr_pictures import frame_of, scene

TOTP_URI = f"otpauth://totp/Example:bob?secret={RFC_SECRET}&issuer=Example"


class CameraView:
    """The screen: records renders; its camera opens (or fails to) and closes."""

    def __init__(self, fails_with: AppInputError | None = None) -> None:
        self.models: list[ScanModel] = []
        self.fails_with = fails_with
        self.open = False
        self.opened = 0

    @property
    def model(self) -> ScanModel:
        return self.models[-1]

    def render(self, model: ScanModel) -> None:
        self.models.append(model)

    def open_camera(self) -> None:
        if self.fails_with is not None:
            raise self.fails_with
        self.open, self.opened = True, self.opened + 1

    def close_camera(self) -> None:
        self.open = False


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Scan:
    def __init__(
        self,
        *,
        granted: bool | None = True,
        view: CameraView | None = None,
        runner: Any = None,
        decode: Callable[[Frame], list[str]] | None = None,
    ) -> None:
        self.view = view or CameraView()
        self.nav = FakeNavigator()
        self.ticker = Ticker()
        self.scanned: list[str] = []
        self.pasted = 0
        self.permission_asks: list[Callable[[bool], None]] = []
        self.granted = granted
        self.grabs = 0
        extra: dict[str, Any] = {"decode": decode} if decode else {}
        self.presenter = ScanPresenter(
            self.view,
            navigator=self.nav,
            translator=Translator("fr"),
            runner=runner or ImmediateRunner(),
            ask_permission=self._ask,
            on_scanned=self.scanned.append,
            on_paste_instead=self._pasted,
            is_account_link=is_account_link,
            ticker=self.ticker,
            **extra,
        )

    def _ask(self, answer: Callable[[bool], None]) -> None:
        self.permission_asks.append(answer)
        if self.granted is not None:
            answer(self.granted)

    def _pasted(self) -> None:
        self.pasted += 1

    def show(self, *texts: str, later: float = DECODE_INTERVAL) -> None:
        """The camera sees ``texts`` (QR codes) ``later`` seconds after the previous picture."""
        self.ticker.now += later
        frame = frame_of(scene(*texts))

        def grab() -> Frame:
            self.grabs += 1
            return frame

        self.presenter.picture(grab)


def test_scanning_an_account_code_hands_it_over_and_turns_the_camera_off() -> None:
    scan = Scan()
    scan.presenter.start()
    assert scan.view.open
    assert scan.presenter.state == "scanning"
    assert scan.view.model.hint == "Placez le code QR dans le cadre."
    assert scan.view.model.camera_on
    scan.show()  # nothing in view yet
    assert scan.scanned == []
    assert scan.view.model.error is None
    scan.show(TOTP_URI)
    assert scan.scanned == [TOTP_URI]
    assert not scan.view.open
    assert scan.presenter.state == "done"
    assert not scan.view.model.camera_on


def test_another_kind_of_code_is_explained_and_scanning_goes_on() -> None:
    scan = Scan()
    scan.presenter.start()
    scan.show("https://example.org/menu")
    error = scan.view.model.error
    assert error is not None
    assert error.code == "qr_not_an_account"
    assert error.title == "Code QR non reconnu"
    assert error.text == "Ce code QR ne contient pas de lien de compte."
    assert scan.view.open
    assert scan.presenter.state == "scanning"
    scan.show("WIFI:S:cafe;T:WPA;P:secret;;", TOTP_URI)  # two codes: the account one wins
    assert scan.scanned == [TOTP_URI]
    assert scan.view.model.error is None


def test_a_scanned_migration_or_pipush_link_goes_to_the_add_path_which_decides() -> None:
    scan = Scan()
    scan.presenter.start()
    scan.show("otpauth-migration://offline?data=CgA%3D")
    assert scan.scanned == ["otpauth-migration://offline?data=CgA%3D"]


def test_pictures_are_decoded_at_most_four_times_a_second_one_at_a_time() -> None:
    runner = QueuedRunner()
    scan = Scan(runner=runner)
    scan.presenter.start()
    scan.show(later=0)
    scan.show(later=DECODE_INTERVAL / 2)  # the first one is still decoding
    assert scan.grabs == 1
    assert len(runner.queue) == 1
    runner.run_all()
    scan.show(later=0)  # done decoding, but too soon after it started
    assert scan.grabs == 1
    scan.show(TOTP_URI, later=DECODE_INTERVAL)
    assert scan.grabs == 2
    runner.run_all()
    assert scan.scanned == [TOTP_URI]


def test_a_refused_permission_never_opens_the_camera() -> None:
    scan = Scan(granted=False)
    scan.presenter.start()
    assert scan.view.opened == 0
    assert scan.presenter.state == "failed"
    error = scan.view.model.error
    assert error is not None
    assert error.code == "camera_permission_denied"
    assert error.title == "Accès à la caméra refusé"
    assert error.text == (
        "L’application n’a pas le droit d’utiliser la caméra : autorisez-la dans les "
        "réglages du système, ou collez le lien."
    )
    scan.granted = True  # allowed in the settings, then « Réessayer »
    scan.presenter.start()
    assert scan.view.open
    assert scan.view.model.error is None


def test_no_camera_is_explained_with_the_way_out() -> None:
    scan = Scan(view=CameraView(fails_with=AppInputError("camera_unavailable", "no provider")))
    scan.presenter.start()
    assert scan.presenter.state == "failed"
    error = scan.view.model.error
    assert error is not None
    assert error.code == "camera_unavailable"
    assert error.title == "Caméra indisponible"
    assert error.text == (
        "Aucune caméra n’est utilisable sur cet appareil : collez le lien ou lisez une "
        "image à la place."
    )
    scan.presenter.paste_instead()
    assert scan.pasted == 1


def test_a_camera_that_stays_dark_counts_as_no_camera() -> None:
    scan = Scan()
    scan.presenter.start()
    scan.ticker.now += FIRST_PICTURE_TIMEOUT - 1
    scan.presenter.tick()
    assert scan.presenter.state == "scanning"
    scan.ticker.now += 1
    scan.presenter.tick()
    assert scan.presenter.state == "failed"
    assert not scan.view.open
    error = scan.view.model.error
    assert error is not None
    assert error.code == "camera_unavailable"


def test_a_hint_after_a_while_without_a_readable_code() -> None:
    scan = Scan()
    scan.presenter.start()
    scan.show()
    scan.ticker.now += HINT_AFTER
    scan.presenter.tick()
    assert scan.view.model.hint.startswith("Aucun code QR lisible pour l’instant")
    assert scan.presenter.state == "scanning"
    assert scan.view.model.error is None


def test_leaving_before_the_permission_answer_keeps_the_camera_off() -> None:
    scan = Scan(granted=None)
    scan.presenter.start()
    assert scan.view.model.hint == "Ouverture de la caméra…"
    scan.presenter.back()
    assert scan.nav.backs == 1
    (answer,) = scan.permission_asks
    answer(True)  # the system dialog answered after the user left
    assert scan.view.opened == 0
    assert scan.presenter.state == "idle"


def test_a_code_decoded_after_leaving_is_dropped() -> None:
    runner = QueuedRunner()
    scan = Scan(runner=runner)
    scan.presenter.start()
    scan.show(TOTP_URI)
    scan.presenter.stop()
    runner.run_all()
    assert scan.scanned == []
    assert not scan.view.open


def test_no_qr_reader_stops_scanning() -> None:
    def missing(_frame: Frame) -> list[str]:
        raise AppInputError("qr_reader_unavailable", "libzbar.so.0: cannot open")

    scan = Scan(decode=missing)
    scan.presenter.start()
    scan.show(TOTP_URI)
    assert scan.presenter.state == "failed"
    assert not scan.view.open
    error = scan.view.model.error
    assert error is not None
    assert error.code == "qr_reader_unavailable"


@pytest.mark.parametrize("state", ["scanning", "failed", "done"])
def test_the_camera_is_off_unless_scanning(state: str) -> None:
    assert ScanModel(state=state).camera_on is (state == "scanning")  # type: ignore[arg-type]
