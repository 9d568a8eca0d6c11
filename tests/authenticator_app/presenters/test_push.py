"""The push prompt against the fake IdP: challenges verified by the core, answers signed and
sent for real; watch events fed by hand (the watch thread is tested in test_watching.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from authenticator_app.core.accounts import Account
from authenticator_app.core.challenges import Dropped, PendingChallenge
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.errors import ChallengeRefused, IdpUnavailable, IdpUnreachable
from authenticator_app.core.idp_errors import DeviceRevoked
from authenticator_app.core.push_service import PushService
from authenticator_app.core.vault import Vault
from authenticator_app.core.watcher import (
    ChallengeArrived,
    ChallengeDropped,
    ChallengeRefusedEvent,
    ConnectionChanged,
    WatchProblem,
)
from authenticator_app.i18n import Translator
from authenticator_app.presenters.accounts import StatusLine
from authenticator_app.presenters.push import PushPresenter
from authenticator_app.presenters.runner import ImmediateRunner
from authenticator_app.presenters.watching import WatchEnded
from tests.authenticator_app.fake_idp import FakeChallenge, FakeIdp
from tests.authenticator_app.presenters.conftest import FakeNavigator, FakeView


@dataclass
class FakeWatch:
    accounts: list[Account]
    deliver: Any
    stopped: bool = False

    def stop(self) -> None:
        self.stopped = True


@dataclass
class Prompt:
    presenter: PushPresenter
    view: FakeView
    nav: FakeNavigator
    service: PushService
    idp: FakeIdp
    account: Account
    clock: FixedClock
    notified: list[tuple[str, str]] = field(default_factory=list)
    statuses: list[StatusLine] = field(default_factory=list)
    watches: list[FakeWatch] = field(default_factory=list)

    def arrive(self, **options: Any) -> tuple[FakeChallenge, PendingChallenge]:
        created = self.idp.create_challenge(**options)
        inbox = self.service.new_inbox()
        changes = self.service.refresh(inbox, [self.account])
        pending = next(p for p in changes.added if p.challenge.challenge_id == created.id)
        self.presenter.handle(ChallengeArrived(pending))
        return created, pending

    @property
    def model(self) -> Any:
        return self.view.model


def make_prompt(vault: Vault, idp: FakeIdp, clock: FixedClock, enroller: Enroller) -> Prompt:
    account = enroller.add_uri(idp.offer_uri(), device_name="Pixel")
    service = PushService(vault, clock=clock, timeout=5)
    view, nav = FakeView(), FakeNavigator()
    holder: dict[str, Prompt] = {}
    notified: list[tuple[str, str]] = []
    statuses: list[StatusLine] = []

    def launch(accounts: Any, deliver: Any) -> FakeWatch:
        watch = FakeWatch(list(accounts), deliver)
        holder["prompt"].watches.append(watch)
        return watch

    presenter = PushPresenter(
        view,
        service=service,
        launcher=launch,
        navigator=nav,
        translator=Translator(),
        runner=ImmediateRunner(),
        notify=lambda title, text: notified.append((title, text)),
        on_status=statuses.append,
        clock=clock,
    )
    prompt = Prompt(presenter, view, nav, service, idp, account, clock, notified, statuses)
    holder["prompt"] = prompt
    return prompt


@pytest.fixture
def prompt(vault: Vault, timed_idp: FakeIdp, live_clock: FixedClock, enroller: Enroller) -> Prompt:
    return make_prompt(vault, timed_idp, live_clock, enroller)


@pytest.fixture
def choose_prompt(vault: Vault, live_clock: FixedClock, enroller: Enroller) -> Iterator[Prompt]:
    idp = FakeIdp(clock=live_clock, matching_mode="choose").start()
    yield make_prompt(vault, idp, live_clock, enroller)
    idp.stop()


def test_a_challenge_shows_the_prompt_with_its_context(prompt: Prompt) -> None:
    prompt.arrive()
    model = prompt.model
    assert prompt.nav.routes == [("push", None)]
    assert model.visible
    assert model.mode == "typed"
    assert model.title == "Approuver la connexion ?"
    context = {line.label: line.value for line in model.context}
    assert context["Service"] == "Jasmin"
    assert context["Compte"] == "Jasmin:alice.martin"
    assert context["Adresse IP"] == "127.0.0.1"
    assert context["Lieu"] == "Réseau local"
    assert context["Navigateur"] == "inconnu"
    assert model.expires_in == 60
    assert model.expires_text == "Expire dans 60 s"
    assert model.instruction.startswith("Entrez le numéro affiché dans votre navigateur")
    assert prompt.notified == [("Approuver la connexion ?", "Jasmin:alice.martin – Jasmin")]


def test_typed_number_approves(prompt: Prompt) -> None:
    created, _pending = prompt.arrive(number=42)
    prompt.presenter.approve("4")
    assert prompt.model.error.code == "number_incomplete"
    assert created.status == "pending"
    prompt.presenter.approve("42")
    assert created.status == "approved"
    assert prompt.nav.notices == ["Demande approuvée."]
    assert prompt.nav.backs == 1
    assert not prompt.model.visible
    assert prompt.service.vault.was_answered(prompt.account.id, created.id)


def test_a_complete_number_clears_the_incomplete_number_error(prompt: Prompt) -> None:
    created, _pending = prompt.arrive(number=42)
    prompt.presenter.approve("")
    assert prompt.model.error.code == "number_incomplete"
    prompt.presenter.number_typed("4")
    assert prompt.model.error.code == "number_incomplete"  # still incomplete
    prompt.presenter.number_typed("42")
    assert prompt.model.error is None
    assert created.status == "pending"  # typing never sends


def test_a_wrong_number_fails_the_challenge_and_says_so(prompt: Prompt) -> None:
    created, _pending = prompt.arrive(number=42)
    prompt.presenter.approve("24")
    assert created.status == "failed"
    assert prompt.nav.notices == ["Le numéro ne correspond pas à celui affiché dans le navigateur."]
    assert prompt.nav.backs == 1


@pytest.mark.parametrize(("report", "status"), [(False, "denied"), (True, "reported")])
def test_no_its_not_me_then_deny_or_report(prompt: Prompt, report: bool, status: str) -> None:
    created, _pending = prompt.arrive()
    prompt.presenter.start_deny()
    assert prompt.model.step == "deny"
    prompt.presenter.cancel_deny()
    assert prompt.model.step == "answer"
    prompt.presenter.start_deny()
    prompt.presenter.deny(report=report)
    assert created.status == status
    expected = "Demande refusée." if not report else "Demande refusée et signalée."
    assert prompt.nav.notices[0].startswith(expected)


def test_choose_mode_offers_three_numbers(choose_prompt: Prompt) -> None:
    created, _pending = choose_prompt.arrive(number=57)
    assert choose_prompt.model.mode == "choose"
    assert sorted(choose_prompt.model.choices) == sorted(created.choices or [])
    choose_prompt.presenter.choose(57)
    assert created.status == "approved"


def test_a_transient_503_is_retried_without_bothering_the_user(prompt: Prompt) -> None:
    prompt.service.retry_delays = (0.01,)
    created, _pending = prompt.arrive(number=42)
    prompt.idp.fail_next[("POST", "/decisions")] = (503, "idp_unavailable")
    prompt.presenter.approve("42")
    assert created.status == "approved"
    assert prompt.model.error is None


def test_a_network_failure_keeps_the_prompt_to_retry(prompt: Prompt) -> None:
    prompt.service.retry_delays = ()  # the retries are spent: the user decides what next
    created, _pending = prompt.arrive(number=42)
    prompt.idp.fail_next[("POST", "/decisions")] = (503, "idp_unavailable")
    prompt.presenter.approve("42")
    assert prompt.model.visible
    assert prompt.model.error.code == "idp_unavailable"
    assert prompt.model.error.title == "Serveur indisponible"
    assert prompt.model.step == "answer"
    assert created.status == "pending"
    prompt.presenter.approve("42")
    assert created.status == "approved"


def test_superseded_prompt_vanishes_with_a_notice_and_the_next_shows(prompt: Prompt) -> None:
    first, _pending = prompt.arrive(purpose="sign_in")
    second, _ = prompt.arrive(purpose="password_reset")
    assert prompt.model.challenge_id == first.id  # the one on screen stays
    assert prompt.model.others == 1
    prompt.presenter.handle(ChallengeDropped(Dropped(prompt.account.id, first.id, "superseded")))
    assert prompt.nav.notices == ["Cette demande a été remplacée par une demande plus récente."]
    assert prompt.model.challenge_id == second.id
    assert prompt.model.title == "Approuver la réinitialisation du mot de passe ?"
    assert prompt.nav.backs == 0


def test_expiry_makes_the_prompt_vanish(prompt: Prompt) -> None:
    prompt.arrive()
    prompt.clock.advance(30)
    prompt.presenter.tick()
    assert prompt.model.expires_in == 30
    prompt.clock.advance(30)
    prompt.presenter.tick()
    assert not prompt.model.visible
    assert prompt.nav.notices == ["La demande a expiré."]
    assert prompt.nav.backs == 1


def test_refusals_are_reported_but_not_routine_ones(prompt: Prompt) -> None:
    forged = ChallengeRefused(
        "bad", code="challenge_signature_invalid", challenge_id="c1", account_id="a"
    )
    prompt.presenter.handle(ChallengeRefusedEvent(forged))
    routine = ChallengeRefused("old", code="challenge_superseded", challenge_id="c2")
    prompt.presenter.handle(ChallengeRefusedEvent(routine))
    assert prompt.nav.notices == [
        "Une demande a été écartée : Demande refusée : sa signature n’est pas valide."
    ]


def test_watch_lifecycle_and_status(prompt: Prompt) -> None:
    prompt.presenter.start()
    (watch,) = prompt.watches
    assert [a.id for a in watch.accounts] == [prompt.account.id]
    assert prompt.statuses[-1] == StatusLine("Connexion au serveur…", "info")
    account_id = prompt.account.id
    watch.deliver(ConnectionChanged(account_id, connected=True))  # posted to the "UI thread"
    assert prompt.statuses[-1] == StatusLine("Notifications push actives.", "ok")
    watch.deliver(ConnectionChanged(account_id, False, IdpUnreachable("down"), 4.0))
    status = prompt.statuses[-1]
    assert status.level == "warning"
    assert status.text == (
        "Hors ligne : Serveur injoignable. Les codes restent disponibles. Nouvel essai dans 4 s."
    )
    watch.deliver(WatchProblem(account_id, IdpUnreachable("catch-up failed")))
    assert prompt.statuses[-1].level == "warning"
    # a catch-up answered 503: the watcher tries again (issue 19), and says when
    watch.deliver(WatchProblem(account_id, IdpUnavailable("503"), retry_in=0.5))
    assert prompt.statuses[-1] == StatusLine(
        "Hors ligne : Serveur indisponible. Les codes restent disponibles. Nouvel essai dans 1 s.",
        "warning",
    )
    watch.deliver(ConnectionChanged(account_id, connected=True))  # the retry worked
    assert prompt.statuses[-1] == StatusLine("Notifications push actives.", "ok")

    prompt.presenter.start()  # restart (resume): the old watch stops, its events are ignored
    assert watch.stopped
    assert len(prompt.watches) == 2
    watch.deliver(ConnectionChanged(account_id, connected=True))
    assert prompt.statuses[-1].level == "info"

    prompt.watches[1].deliver(WatchEnded(DeviceRevoked("gone")))
    assert prompt.statuses[-1].level == "error"
    assert "Notifications push arrêtées" in prompt.statuses[-1].text
    assert not prompt.presenter.watching


def test_stop_withdraws_the_prompt(prompt: Prompt) -> None:
    prompt.presenter.start()
    prompt.arrive()
    prompt.presenter.stop()
    assert not prompt.model.visible
    assert prompt.nav.backs == 1
    assert prompt.watches[0].stopped


def test_no_push_account_no_watch(
    vault: Vault, view: FakeView, nav: FakeNavigator, runner: ImmediateRunner
) -> None:
    launched: list[Any] = []
    presenter = PushPresenter(
        view,
        service=PushService(vault),
        launcher=lambda accounts, deliver: launched.append(accounts),  # type: ignore[arg-type,func-returns-value]
        navigator=nav,
        translator=Translator(),
        runner=runner,
        notify=lambda *_: None,
        on_status=lambda _status: None,
    )
    presenter.start()
    assert launched == []
    assert not presenter.watching
