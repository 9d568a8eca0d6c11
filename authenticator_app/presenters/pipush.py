"""The privacyIDEA push prompt: a verified privacyIDEA challenge and its answer.

privacyIDEA tokens have no event stream: a thread polls ``/ttype/push`` every few seconds while
the app is unlocked and in the foreground (:func:`threaded_pi_launcher`), and posts what it sees
here. The prompt shows privacyIDEA's title and question; under privacyIDEA's number matching
("presence") it shows one button per option and the user taps the one the login page shows,
otherwise "OUI". "Refuser" declines; "Signaler" declines as "it was not me"
(``decline_reason=unknown_trigger`` when the server offers it). A wrong option is rejected by
privacyIDEA and the challenge stays open: the prompt says so and stays. It is a screen of its
own (``pipush``), apart from this project's push prompt: the protocols differ.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from authenticator_app.core.accounts import Account
from authenticator_app.core.errors import AuthenticatorError
from authenticator_app.core.pipush.service import (
    DEFAULT_POLL_INTERVAL,
    PiArrived,
    PiChallenge,
    PiGone,
    PiProblem,
    PiPushService,
    PiRefusedEvent,
    PiWatchEvent,
)
from authenticator_app.i18n import N_, Translator
from authenticator_app.presenters.errors import ErrorNotice, describe_error
from authenticator_app.presenters.navigation import Navigator
from authenticator_app.presenters.runner import Runner

__all__ = [
    "PiLauncher",
    "PiPushModel",
    "PiPushPresenter",
    "PiPushView",
    "PiWatchHandle",
    "threaded_pi_launcher",
]

PiStep = Literal["answer", "sending"]
_DONE: Final = {
    "approve": N_("Demande approuvée."),
    "deny": N_("Demande refusée."),
    "report": N_("Demande refusée et signalée. Merci de votre vigilance."),
}
_GONE: Final = N_("La demande n'est plus en attente.")


@dataclass(frozen=True, slots=True)
class PiPushModel:
    visible: bool
    key: str = ""
    title: str = ""
    account: str = ""
    question: str = ""
    instruction: str = ""
    choices: tuple[str, ...] = ()
    step: PiStep = "answer"
    error: ErrorNotice | None = None
    others: int = 0


class PiPushView(Protocol):
    def render(self, model: PiPushModel) -> None: ...


class PiWatchHandle(Protocol):
    def stop(self) -> None: ...


PiLauncher = Callable[[Sequence[Account], Callable[[PiWatchEvent], None]], PiWatchHandle]


class _ThreadHandle:
    def __init__(self, stop: threading.Event, thread: threading.Thread) -> None:
        self._stop, self._thread = stop, thread

    def stop(self) -> None:
        self._stop.set()


def threaded_pi_launcher(
    new_service: Callable[[], PiPushService], *, interval: float = DEFAULT_POLL_INTERVAL
) -> PiLauncher:
    """Poll on a daemon thread (:meth:`PiPushService.watch`) until the handle is stopped."""

    def launch(
        accounts: Sequence[Account], deliver: Callable[[PiWatchEvent], None]
    ) -> PiWatchHandle:
        stop = threading.Event()
        service = new_service()
        thread = threading.Thread(
            target=lambda: service.watch(accounts, deliver, interval=interval, stop=stop),
            name="pipush-poll",
            daemon=True,
        )
        thread.start()
        return _ThreadHandle(stop, thread)

    return launch


class PiPushPresenter:
    def __init__(
        self,
        view: PiPushView,
        *,
        service: PiPushService,
        launcher: PiLauncher | None,
        navigator: Navigator,
        translator: Translator,
        runner: Runner,
        notify: Callable[[str, str], None],
    ) -> None:
        self.view = view
        self._service = service
        self._launcher = launcher
        self._nav = navigator
        self._ = translator
        self._runner = runner
        self._notify = notify
        self._pending: dict[str, PiChallenge] = {}
        self._order: list[str] = []
        self._shown: str | None = None
        self._on_screen = False
        self._answered: set[str] = set()
        self._step: PiStep = "answer"
        self._error: ErrorNotice | None = None
        self._watch: PiWatchHandle | None = None
        self._generation = 0
        self.problem: AuthenticatorError | None = None
        """The last failed poll (cleared by the next good one)."""

    @property
    def showing(self) -> bool:
        return self._on_screen

    @property
    def watching(self) -> bool:
        return self._watch is not None

    def start(self) -> None:
        """(Re)start polling every privacyIDEA push account of the vault."""
        self.stop()
        accounts = [a for a in self._service.vault.accounts if a.pipush is not None]
        if not accounts or self._launcher is None:
            return
        self._generation += 1
        generation = self._generation

        def deliver(event: PiWatchEvent) -> None:  # on the polling thread
            self._runner.post(lambda: self._receive(generation, event))

        self._watch = self._launcher(accounts, deliver)

    def stop(self) -> None:
        """Stop polling (lock, pause); a prompt on screen is withdrawn."""
        self._generation += 1
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        if self._pending or self._on_screen:
            self._pending.clear()
            self._order.clear()
            self._show_next()

    def _receive(self, generation: int, event: PiWatchEvent) -> None:
        if generation == self._generation:
            self.handle(event)

    def handle(self, event: PiWatchEvent) -> None:
        """One polling event, on the UI thread."""
        if isinstance(event, PiArrived):
            self.problem = None
            self._arrived(event.challenge)
        elif isinstance(event, PiGone):
            self._vanish(event.nonce)
        elif isinstance(event, PiRefusedEvent):
            notice = describe_error(event.refusal, self._)
            self._nav.notice(self._("Une demande a été écartée : {text}").format(text=notice.text))
        elif isinstance(event, PiProblem):
            self.problem = event.error

    def _arrived(self, challenge: PiChallenge) -> None:
        if challenge.nonce in self._answered or challenge.nonce in self._pending:
            return
        self._pending[challenge.nonce] = challenge
        self._order.append(challenge.nonce)
        self._notify(challenge.title, f"{challenge.account.label} – {challenge.question}")
        if self._shown is None:
            self._show_next()
        else:
            self.refresh()

    def _vanish(self, nonce: str) -> None:
        if self._pending.pop(nonce, None) is None:
            return
        self._order.remove(nonce)
        if nonce != self._shown:
            self.refresh()
            return
        if self._step != "sending":
            self._nav.notice(self._(_GONE))
        self._shown = None
        self._show_next()

    def _show_next(self) -> None:
        self._step = "answer"
        self._error = None
        if not self._order:
            self._shown = None
            self.refresh()
            if self._on_screen:
                self._on_screen = False
                self._nav.back()
            return
        self._shown = self._order[-1]
        self.refresh()
        if not self._on_screen:
            self._on_screen = True
            self._nav.show("pipush")

    def _current(self) -> PiChallenge | None:
        return self._pending.get(self._shown) if self._shown else None

    def refresh(self) -> None:
        challenge = self._current()
        if challenge is None:
            self.view.render(PiPushModel(visible=False))
            return
        _ = self._
        instruction = (
            _("Appuyez sur le choix affiché sur la page de connexion.")
            if challenge.choices
            else _("Est-ce bien vous qui tentez de vous connecter ?")
        )
        self.view.render(
            PiPushModel(
                visible=True,
                key=challenge.nonce[:12],
                title=challenge.title,
                account=challenge.account.label,
                question=challenge.question,
                instruction=instruction,
                choices=challenge.choices,
                step=self._step,
                error=self._error,
                others=len(self._pending) - 1,
            )
        )

    # --- answering ------------------------------------------------------------------------

    def choose(self, option: str) -> None:
        challenge = self._current()
        if challenge is not None and self._step != "sending":
            self._send(
                challenge, "approve", lambda: self._service.approve(challenge, choice=option)
            )

    def approve(self) -> None:
        challenge = self._current()
        if challenge is not None and self._step != "sending" and not challenge.choices:
            self._send(challenge, "approve", lambda: self._service.approve(challenge))

    def deny(self, *, report: bool) -> None:
        challenge = self._current()
        if challenge is not None and self._step != "sending":
            decision = "report" if report else "deny"
            self._send(challenge, decision, lambda: self._service.deny(challenge, report=report))

    def _send(self, challenge: PiChallenge, decision: str, work: Callable[[], None]) -> None:
        self._step = "sending"
        self._error = None
        self.refresh()
        self._runner.submit(
            work,
            lambda _result: self._finish(challenge, self._(_DONE[decision])),
            self._failed,
        )

    def _finish(self, challenge: PiChallenge, text: str) -> None:
        self._answered.add(challenge.nonce)
        if self._pending.pop(challenge.nonce, None) is not None:
            self._order.remove(challenge.nonce)
        self._nav.notice(text)
        if self._shown == challenge.nonce:
            self._shown = None
            self._show_next()

    def _failed(self, error: AuthenticatorError) -> None:
        self._step = "answer"
        self._error = describe_error(error, self._)
        self.refresh()
