"""The privacyIDEA push prompt, offline: a fake service stands for privacyIDEA (the real one is
in tests/interop)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from authenticator_app.core.accounts import Account, PiPushDevice
from authenticator_app.core.errors import ChallengeRefused, IdpUnreachable, PiAnswerRejected
from authenticator_app.core.pipush.service import (
    PiArrived,
    PiChallenge,
    PiGone,
    PiProblem,
    PiRefusedEvent,
)
from authenticator_app.i18n import Translator
from authenticator_app.presenters.pipush import PiPushPresenter
from authenticator_app.presenters.runner import ImmediateRunner
from tests.authenticator_app.presenters.conftest import FakeNavigator, FakeView

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
ACCOUNT = Account(
    id="acc1",
    issuer="privacyIDEA",
    name="alice",
    added_at=NOW,
    pipush=PiPushDevice(
        serial="PIPU0001",
        url="https://pi.example.org/ttype/push",
        private_key_pem="unused",
        server_public_key_pem="unused",
        enrolled_at=NOW,
    ),
)


def challenge(nonce: str, choices: tuple[str, ...] = ("07", "42", "99")) -> PiChallenge:
    return PiChallenge(
        account=ACCOUNT,
        nonce=nonce,
        serial="PIPU0001",
        title="privacyIDEA",
        question="Please confirm the authentication",
        url="https://pi.example.org/ttype/push",
        choices=choices,
        capabilities={"decline_reason": True},
    )


class FakeService:
    def __init__(self) -> None:
        self.vault = type("V", (), {"accounts": (ACCOUNT,)})()
        self.calls: list[tuple[str, str, Any]] = []
        self.right = "42"

    def approve(self, c: PiChallenge, *, choice: str | None = None) -> None:
        self.calls.append(("approve", c.nonce, choice))
        if c.choices and choice != self.right:
            raise PiAnswerRejected("wrong")

    def deny(self, c: PiChallenge, *, report: bool = False) -> None:
        self.calls.append(("deny", c.nonce, report))


def make(launched: list[Any] | None = None) -> tuple[PiPushPresenter, FakeView, FakeNavigator]:
    view, nav = FakeView(), FakeNavigator()
    notified: list[tuple[str, str]] = []

    class Handle:
        stopped = False

        def stop(self) -> None:
            self.stopped = True

    def launcher(accounts: Any, deliver: Any) -> Handle:
        handle = Handle()
        if launched is not None:
            launched.append((accounts, deliver, handle))
        return handle

    presenter = PiPushPresenter(
        view,
        service=FakeService(),  # type: ignore[arg-type]
        launcher=launcher,
        navigator=nav,
        translator=Translator("fr"),
        runner=ImmediateRunner(),
        notify=lambda title, text: notified.append((title, text)),
    )
    return presenter, view, nav


def test_polling_starts_and_stops_with_the_app() -> None:
    launched: list[Any] = []
    presenter, _, _ = make(launched)
    presenter.start()
    assert presenter.watching
    [(accounts, _deliver, handle)] = launched
    assert [a.id for a in accounts] == ["acc1"]
    presenter.stop()
    assert handle.stopped
    assert not presenter.watching


def test_choose_the_right_option_after_a_wrong_one() -> None:
    presenter, view, nav = make()
    presenter.handle(PiArrived(challenge("N1")))
    assert nav.routes == [("pipush", None)]
    assert view.model.visible
    assert view.model.choices == ("07", "42", "99")
    assert view.model.instruction == "Appuyez sur le choix affiché sur la page de connexion."
    presenter.choose("07")
    assert view.model.visible  # privacyIDEA keeps it open: try again
    assert view.model.error is not None
    assert view.model.error.code == "pi_answer_rejected"
    presenter.choose("42")
    assert not view.model.visible
    assert nav.backs == 1
    assert nav.notices[-1] == "Demande approuvée."
    # the poll still sees it for a moment: not shown again
    presenter.handle(PiArrived(challenge("N1")))
    assert not view.model.visible


def test_plain_yes_deny_and_report() -> None:
    presenter, view, nav = make()
    presenter.handle(PiArrived(challenge("N1", choices=())))
    assert view.model.instruction == "Est-ce bien vous qui tentez de vous connecter ?"
    presenter.handle(PiArrived(challenge("N2", choices=())))
    assert view.model.others == 1  # the first one stays on screen until answered
    presenter.deny(report=True)
    assert nav.notices[-1] == "Demande refusée et signalée. Merci de votre vigilance."
    assert view.model.visible  # the other one
    presenter.deny(report=False)
    assert nav.notices[-1] == "Demande refusée."
    assert not view.model.visible
    service = presenter._service
    assert service.calls == [("deny", "N1", True), ("deny", "N2", False)]  # type: ignore[attr-defined]


def test_gone_refused_and_problems() -> None:
    presenter, view, nav = make()
    presenter.handle(PiArrived(challenge("N1")))
    presenter.handle(PiGone("acc1", "N1"))
    assert not view.model.visible
    assert nav.notices[-1] == "La demande n'est plus en attente."
    refusal = ChallengeRefused("x", code="challenge_signature_invalid", account_id="acc1")
    presenter.handle(PiRefusedEvent(refusal))
    assert nav.notices[-1].startswith("Une demande a été écartée : ")
    presenter.handle(PiProblem("acc1", IdpUnreachable("down")))
    assert presenter.problem is not None
