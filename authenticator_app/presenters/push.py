"""The push prompt: a verified challenge, its context, and the answer (seed 000, steps 07-08).

Challenges arrive from the watch (:mod:`.watching`) as core watcher events, posted to the UI
thread. The prompt shows the newest challenge once and keeps it until it is answered, expires,
or is superseded / decided elsewhere (it then vanishes with a notice), then shows the next one.

- ``typed``: the user types the two-digit number the browser shows, then "OUI"; "NON, ce n'est
  pas moi" asks whether to just refuse ("Refuser") or report ("Signaler");
- ``choose``: three number buttons; ``none``: "OUI" / "NON, ce n'est pas moi".

Answers are signed and sent on the runner. A refusal that ends the challenge
(``number_mismatch``, ``challenge_expired``...) closes the prompt with its explanation; a
network failure keeps it open to retry. The connection state goes to ``on_status`` (the home
screen's status line): TOTP codes keep working whatever it says.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, Protocol

from authenticator_app.core.challenges import PendingChallenge
from authenticator_app.core.clock import Clock, system_clock
from authenticator_app.core.decisions import Decision, DecisionOutcome
from authenticator_app.core.errors import AuthenticatorError, ChallengeRefused
from authenticator_app.core.push_service import FINAL_REFUSALS, PushService
from authenticator_app.core.watcher import (
    ChallengeArrived,
    ChallengeDropped,
    ChallengeRefusedEvent,
    ConnectionChanged,
    WatchEvent,
    WatchProblem,
)
from authenticator_app.i18n import N_, Translator
from authenticator_app.presenters.accounts import StatusLine
from authenticator_app.presenters.errors import AppInputError, ErrorNotice, describe_error
from authenticator_app.presenters.formatting import format_time
from authenticator_app.presenters.navigation import Navigator
from authenticator_app.presenters.profile import DetailLine
from authenticator_app.presenters.runner import Runner
from authenticator_app.presenters.watching import WatchEnded, WatchHandle, WatchLauncher
from shared.timing import from_unix_time

__all__ = ["PushModel", "PushPresenter", "PushStep", "PushView"]

PushStep = Literal["answer", "deny", "sending"]
_VANISHED: Final = {
    "superseded": N_("Cette demande a été remplacée par une demande plus récente."),
    "expired": N_("La demande a expiré."),
    "decided": N_("La demande a déjà reçu une réponse."),
    "gone": N_("La demande n’est plus en attente."),
}
_DONE: Final = {
    "approved": N_("Demande approuvée."),
    "denied": N_("Demande refusée."),
    "reported": N_("Demande refusée et signalée. Merci de votre vigilance."),
}
# Refusals that are routine, not a warning: a newer request, or one that came too late.
_QUIET_REFUSALS: Final = frozenset({"challenge_superseded", "challenge_replayed"})


@dataclass(frozen=True, slots=True)
class PushModel:
    visible: bool
    challenge_id: str = ""
    title: str = ""
    account: str = ""
    context: tuple[DetailLine, ...] = ()
    mode: str = "typed"
    instruction: str = ""
    choices: tuple[int, ...] = ()
    expires_in: int = 0
    lifetime: int = 1
    expires_text: str = ""
    step: PushStep = "answer"
    error: ErrorNotice | None = None
    others: int = 0
    """Other challenges waiting behind this one."""


class PushView(Protocol):
    def render(self, model: PushModel) -> None: ...

    def clear_number(self) -> None: ...


class PushPresenter:
    def __init__(
        self,
        view: PushView,
        *,
        service: PushService,
        launcher: WatchLauncher | None,
        navigator: Navigator,
        translator: Translator,
        runner: Runner,
        notify: Callable[[str, str], None],
        on_status: Callable[[StatusLine], None],
        clock: Clock = system_clock,
    ) -> None:
        self.view = view
        self._service = service
        self._launcher = launcher
        self._nav = navigator
        self._ = translator
        self._runner = runner
        self._notify = notify
        self._on_status = on_status
        self._clock = clock
        self._pending: dict[tuple[str, str], PendingChallenge] = {}
        self._shown: tuple[str, str] | None = None
        self._on_screen = False
        self._answered: set[tuple[str, str]] = set()
        self._step: PushStep = "answer"
        self._error: ErrorNotice | None = None
        self._watch: WatchHandle | None = None
        self._generation = 0
        self._links: dict[str, ConnectionChanged | WatchProblem] = {}
        self._ended: AuthenticatorError | None = None

    # --- the watch ------------------------------------------------------------------------

    @property
    def showing(self) -> bool:
        """Whether the prompt screen is up."""
        return self._on_screen

    @property
    def watching(self) -> bool:
        return self._watch is not None

    def start(self) -> None:
        """(Re)start watching every push account; the watch catches up from ``pending``."""
        self.stop()
        accounts = [a for a in self._service.vault.accounts if a.push is not None]
        if not accounts or self._launcher is None:
            self._publish_status()
            return
        self._generation += 1
        generation = self._generation
        self._ended = None
        self._links = {}

        def deliver(event: WatchEvent | WatchEnded) -> None:  # on the watch thread
            self._runner.post(lambda: self._receive(generation, event))

        self._watch = self._launcher(accounts, deliver)
        self._publish_status()

    def stop(self) -> None:
        """Stop watching (lock, pause); prompts on screen are withdrawn."""
        self._generation += 1
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        self._links = {}
        if self._pending or self._on_screen:
            self._pending.clear()
            self._show_next()

    def _receive(self, generation: int, event: WatchEvent | WatchEnded) -> None:
        if generation == self._generation:
            self.handle(event)

    def handle(self, event: WatchEvent | WatchEnded) -> None:
        """One watch event, on the UI thread."""
        if isinstance(event, ChallengeArrived):
            self._arrived(event.pending)
        elif isinstance(event, ChallengeDropped):
            dropped = event.dropped
            self._vanish((dropped.account_id, dropped.challenge_id), dropped.reason)
        elif isinstance(event, ChallengeRefusedEvent):
            self._refused(event.refusal)
        elif isinstance(event, ConnectionChanged | WatchProblem):
            self._links[event.account_id] = event
            self._publish_status()
        elif isinstance(event, WatchEnded):
            self._watch = None
            self._ended = event.error
            self._publish_status()

    def _publish_status(self) -> None:
        self._on_status(self.status())

    def status(self) -> StatusLine:
        _ = self._
        if self._ended is not None:
            notice = describe_error(self._ended, _)
            return StatusLine(
                _("Notifications push arrêtées. {title} : {text}").format(
                    title=notice.title, text=notice.text
                ),
                "error",
            )
        if self._watch is None:
            return StatusLine()
        troubles = [
            e
            for e in self._links.values()
            if isinstance(e, WatchProblem) or (not e.connected and e.error is not None)
        ]
        if troubles:
            trouble = troubles[0]
            title = (
                describe_error(trouble.error, _).title
                if trouble.error is not None
                else _("connexion perdue")
            )
            text = _("Hors ligne : {title}. Les codes restent disponibles.").format(title=title)
            if trouble.retry_in:
                text += " " + _("Nouvel essai dans {seconds} s.").format(
                    seconds=max(1, math.ceil(trouble.retry_in))
                )
            return StatusLine(text, "warning")
        if self._links and all(
            isinstance(e, ConnectionChanged) and e.connected for e in self._links.values()
        ):
            return StatusLine(_("Notifications push actives."), "ok")
        return StatusLine(_("Connexion au serveur…"), "info")

    # --- challenges coming and going ------------------------------------------------------

    def _arrived(self, pending: PendingChallenge) -> None:
        if pending.key in self._answered:
            return
        self._pending[pending.key] = pending
        challenge = pending.challenge
        self._notify(self._title(pending), f"{pending.account.label} – {challenge.context.service}")
        if self._shown is None:
            self._show_next()
        else:
            self.refresh()

    def _refused(self, refusal: ChallengeRefused) -> None:
        key = (refusal.account_id or "", refusal.challenge_id or "")
        if refusal.code in _QUIET_REFUSALS or key in self._answered:
            return
        notice = describe_error(refusal, self._)
        self._nav.notice(self._("Une demande a été écartée : {text}").format(text=notice.text))

    def _vanish(self, key: tuple[str, str], reason: str) -> None:
        if self._pending.pop(key, None) is None:
            return
        if key != self._shown:
            self.refresh()
            return
        if reason in _VANISHED:
            self._nav.notice(self._(_VANISHED[reason]))
        self._shown = None
        self._show_next()

    def _current(self) -> PendingChallenge | None:
        return self._pending.get(self._shown) if self._shown else None

    def _show_next(self) -> None:
        """Show the newest waiting challenge, or leave the prompt when none is left."""
        self._step = "answer"
        self._error = None
        self.view.clear_number()
        if not self._pending:
            self._shown = None
            self.refresh()
            if self._on_screen:
                self._on_screen = False
                self._nav.back()
            return
        newest = max(self._pending.values(), key=lambda p: p.rank)
        self._shown = newest.key
        self.refresh()
        if not self._on_screen:
            self._on_screen = True
            self._nav.show("push")

    def tick(self) -> None:
        """Once a second: count down, and let expired challenges vanish."""
        now = self._clock().timestamp()
        for key, pending in list(self._pending.items()):
            if pending.challenge.exp <= now and self._step != "sending":
                self._vanish(key, "expired")
        if self._shown is not None:
            self.refresh()

    # --- rendering ------------------------------------------------------------------------

    def _title(self, pending: PendingChallenge) -> str:
        if pending.challenge.purpose == "password_reset":
            return self._("Approuver la réinitialisation du mot de passe ?")
        return self._("Approuver la connexion ?")

    def _when(self, value: int | str) -> str:
        try:
            moment = (
                from_unix_time(value) if isinstance(value, int) else datetime.fromisoformat(value)
            )
        except ValueError:
            return str(value)
        if moment.tzinfo is None:
            return str(value)
        return format_time(moment, self._.language)

    def refresh(self) -> None:
        pending = self._current()
        if pending is None:
            self.view.render(PushModel(visible=False))
            return
        _ = self._
        challenge = pending.challenge
        context = challenge.context
        unknown = _("inconnu")
        lines = (
            DetailLine(_("Service"), context.service),
            DetailLine(_("Compte"), pending.account.label),
            DetailLine(_("Lieu"), context.location or unknown),
            DetailLine(_("Adresse IP"), context.client_ip or unknown),
            DetailLine(_("Navigateur"), context.browser or unknown),
            DetailLine(_("Heure"), self._when(context.time)),
        )
        instructions = {
            "typed": _("Entrez le numéro affiché dans votre navigateur, puis appuyez sur « OUI »."),
            "choose": _("Appuyez sur le numéro affiché dans votre navigateur."),
            "none": _("Est-ce bien vous qui tentez de vous connecter ?"),
        }
        left = max(0, challenge.exp - int(self._clock().timestamp()))
        self.view.render(
            PushModel(
                visible=True,
                challenge_id=challenge.challenge_id,
                title=self._title(pending),
                account=pending.account.label,
                context=lines,
                mode=challenge.matching.mode,
                instruction=instructions.get(challenge.matching.mode, ""),
                choices=tuple(challenge.matching.choices or ()),
                expires_in=left,
                lifetime=max(1, challenge.exp - challenge.iat),
                expires_text=_("Expire dans {seconds} s").format(seconds=left),
                step=self._step,
                error=self._error,
                others=len(self._pending) - 1,
            )
        )

    # --- answering ------------------------------------------------------------------------

    def approve(self, number_text: str = "") -> None:
        """ "OUI": in ``typed`` mode with the two digits typed; in ``none`` mode as is."""
        pending = self._current()
        if pending is None or self._step == "sending":
            return
        number: int | None = None
        if pending.challenge.matching.mode != "none":
            text = number_text.strip()
            if len(text) != 2 or not text.isdigit():
                self._error = describe_error(AppInputError("number_incomplete"), self._)
                self.refresh()
                return
            number = int(text)
        self._send(pending, "approve", number)

    def number_typed(self, number_text: str) -> None:
        """The number field changed: a complete number clears the "type the number" error (the
        user has fixed it; the error must not stay on screen over a right entry)."""
        text = number_text.strip()
        complete = len(text) == 2 and text.isdigit()
        if complete and self._error is not None and self._error.code == "number_incomplete":
            self._error = None
            self.refresh()

    def choose(self, number: int) -> None:
        pending = self._current()
        if pending is not None and self._step != "sending":
            self._send(pending, "approve", number)

    def start_deny(self) -> None:
        """ "NON, ce n'est pas moi": ask whether to just refuse or to report."""
        if self._current() is not None and self._step != "sending":
            self._step = "deny"
            self._error = None
            self.refresh()

    def cancel_deny(self) -> None:
        if self._step == "deny":
            self._step = "answer"
            self.refresh()

    def deny(self, *, report: bool) -> None:
        pending = self._current()
        if pending is not None and self._step != "sending":
            self._send(pending, "report" if report else "deny", None)

    def _send(self, pending: PendingChallenge, decision: Decision, number: int | None) -> None:
        self._step = "sending"
        self._error = None
        self.refresh()
        self._runner.submit(
            lambda: self._service.answer(pending, decision, number=number),
            lambda outcome: self._answered_with(pending, outcome),
            lambda error: self._answer_failed(pending, error),
        )

    def _finish(self, pending: PendingChallenge, text: str) -> None:
        self._answered.add(pending.key)
        self._pending.pop(pending.key, None)
        self._nav.notice(text)
        if self._shown == pending.key:
            self._shown = None
            self._show_next()

    def _answered_with(self, pending: PendingChallenge, outcome: DecisionOutcome) -> None:
        self._finish(pending, self._(_DONE.get(outcome.status, outcome.status)))

    def _answer_failed(self, pending: PendingChallenge, error: AuthenticatorError) -> None:
        if error.code in FINAL_REFUSALS:
            notice = describe_error(error, self._)
            self._finish(pending, notice.text)
            return
        self._step = "answer"
        self._error = describe_error(error, self._)
        self.view.clear_number()
        self.refresh()
