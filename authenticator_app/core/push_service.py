"""Push actions on the vault's accounts: fetch and verify pending challenges, wait for one,
answer it and remember the answer. What the CLI verbs and the GUI presenters call.

Answers are recorded in the vault (replay protection) once the IdP settled them, including a
refusal that ends the challenge such as ``number_mismatch`` (it is failed: it must not be
answered again); a network failure or a refusal of the request itself records nothing, so the
user may retry.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final, TypeVar

import requests

from authenticator_app.core.accounts import Account, find_accounts
from authenticator_app.core.challenges import ChallengeInbox, InboxChanges, PendingChallenge
from authenticator_app.core.clock import Clock, RandomBytes, system_clock, system_random
from authenticator_app.core.decisions import Decision, DecisionOutcome, decision_number
from authenticator_app.core.device_client import (
    DEFAULT_TIMEOUT,
    MAX_WAIT_SECONDS,
    DecisionStatus,
    DeviceClient,
)
from authenticator_app.core.errors import (
    AccountNotFound,
    AuthenticatorError,
    IdpResponseInvalid,
    NetworkError,
    NoPushAccount,
)
from authenticator_app.core.idp_errors import IdpRefused
from authenticator_app.core.trace_log import TraceLog, describe_token
from authenticator_app.core.vault import AnsweredChallenge, Vault

__all__ = ["FINAL_REFUSALS", "RETRY_DELAYS", "PushService", "RetryNotice", "is_transient"]

T = TypeVar("T")
# Waits before the 2nd, 3rd and 4th try of a call the IdP failed with a 5xx or that did not
# reach it (exponential backoff); then the error is the caller's.
RETRY_DELAYS: Final = (0.5, 1.0, 2.0)


def is_transient(error: AuthenticatorError) -> bool:
    """Worth trying again: no answer, or a 5xx (the IdP or something in front of it failed).
    A 4xx is the IdP's considered refusal and is never retried."""
    if isinstance(error, IdpRefused):
        return error.status is not None and error.status >= 500
    # Something that is not the protocol will not become the protocol by asking again.
    return isinstance(error, NetworkError) and not isinstance(error, IdpResponseInvalid)


@dataclass(frozen=True, slots=True)
class RetryNotice:
    """A call failed and will be tried again in ``delay`` s (``attempt`` of ``attempts``)."""

    what: str
    account_id: str
    error: AuthenticatorError
    attempt: int
    attempts: int
    delay: float


# With several push accounts, each long-poll is this short so none waits long for its turn.
_SHARED_POLL_SECONDS: Final = 3
# IdP refusals that settle the challenge for good: remembered like an answer. Others (the
# device's token refused, a number missing...) leave it answerable.
FINAL_REFUSALS: Final = frozenset(
    {
        "number_mismatch",
        "challenge_expired",
        "challenge_already_decided",
        "challenge_superseded",
        "challenge_not_found",
    }
)
# After a pending list that held nothing usable (e.g. a refused forgery), pause before asking
# again: the IdP answers a long-poll at once while anything is pending.
_IDLE_PAUSE_SECONDS: Final = 1.0


class PushService:
    def __init__(
        self,
        vault: Vault,
        *,
        clock: Clock = system_clock,
        rng: RandomBytes = system_random,
        session_factory: Callable[[], requests.Session] = requests.Session,
        timeout: float = DEFAULT_TIMEOUT,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        trace: TraceLog | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        self.vault = vault
        self.retry_delays = tuple(retry_delays)
        self.trace = trace
        self.on_retry = on_retry
        self.clock = clock
        self._rng = rng
        self._session_factory = session_factory
        self._timeout = timeout
        self._monotonic = monotonic
        self._sleep = sleep
        self._clients: dict[str, DeviceClient] = {}

    def push_accounts(self, query: str | None = None) -> list[Account]:
        """The push accounts matching ``query`` (all of them without one)."""
        accounts = [a for a in self.vault.accounts if a.push is not None]
        if not accounts:
            raise NoPushAccount("the vault holds no push account")
        found = find_accounts(accounts, query)
        if not found:
            raise AccountNotFound(f"no push account matches {query!r}")
        return found

    def client(self, account: Account, *, session: requests.Session | None = None) -> DeviceClient:
        """The device API client of a push account (one per account, reused)."""
        if account.push is None:
            raise NoPushAccount(f"{account.label} is not a push account")
        if session is not None:
            return DeviceClient(
                account.push,
                session=session,
                clock=self.clock,
                rng=self._rng,
                timeout=self._timeout,
            )
        client = self._clients.get(account.id)
        if client is None:
            client = DeviceClient(
                account.push,
                session=self._session_factory(),
                clock=self.clock,
                rng=self._rng,
                timeout=self._timeout,
            )
            self._clients[account.id] = client
        return client

    def new_inbox(self) -> ChallengeInbox:
        observer = self.trace.record if self.trace is not None else None
        return ChallengeInbox(was_answered=self.vault.was_answered, observer=observer)

    def _retrying(
        self, what: str, account: Account, call: Callable[[], T], challenge_id: str | None = None
    ) -> T:
        """``call()``, tried again after each delay of :attr:`retry_delays` while it fails
        transiently (:func:`is_transient`); each retry is announced and traced."""
        attempts = len(self.retry_delays) + 1
        for attempt, delay in enumerate((*self.retry_delays, None), start=1):
            try:
                return call()
            except AuthenticatorError as error:
                if delay is None or not is_transient(error):
                    raise
                notice = RetryNotice(what, account.id, error, attempt, attempts, delay)
                if self.trace is not None:
                    self.trace.record(
                        "retry",
                        account_id=account.id,
                        challenge_id=challenge_id,
                        call=what,
                        code=error.code,
                        status=getattr(error, "status", None),
                        attempt=attempt,
                        delay=delay,
                    )
                if self.on_retry is not None:
                    self.on_retry(notice)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def refresh(
        self, inbox: ChallengeInbox, accounts: Sequence[Account], *, wait: float = 0
    ) -> InboxChanges:
        """Fetch each account's pending list (long-polling ``wait`` s) into ``inbox``."""
        changes = InboxChanges()
        for account in accounts:
            tokens = self._retrying(
                "pending", account, partial(self.client(account).pending, wait=wait)
            )
            changes.extend(inbox.ingest(account, tokens, now=self.clock()))
        changes.dropped += inbox.expire(self.clock())
        return changes

    def wait_for_challenge(
        self, inbox: ChallengeInbox, accounts: Sequence[Account], *, timeout: float
    ) -> tuple[PendingChallenge | None, InboxChanges]:
        """The newest verified challenge, waiting up to ``timeout`` s for one (long-poll).

        Also returns everything seen meanwhile (refusals to report). None on timeout.
        """
        deadline = self._monotonic() + max(0.0, timeout)
        seen = self.refresh(inbox, accounts)
        per_poll = MAX_WAIT_SECONDS if len(accounts) == 1 else _SHARED_POLL_SECONDS
        while (found := inbox.latest()) is None:
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                return None, seen
            before = len(seen.refused)
            wait = min(per_poll, math.ceil(remaining))
            started = self._monotonic()
            seen.extend(self.refresh(inbox, accounts, wait=wait))
            quick = self._monotonic() - started < min(wait, _IDLE_PAUSE_SECONDS)
            if inbox.latest() is None and (quick or len(seen.refused) > before):
                self._sleep(min(_IDLE_PAUSE_SECONDS, max(0.0, deadline - self._monotonic())))
        return found, seen

    def answer(
        self,
        pending: PendingChallenge,
        decision: Decision,
        *,
        number: int | None = None,
        inbox: ChallengeInbox | None = None,
    ) -> DecisionOutcome:
        """Sign and send the answer; remember it. IdP refusals raise their typed error."""
        challenge = pending.challenge
        signed_number = decision_number(challenge, decision, number)
        client = self.client(pending.account)

        def send() -> DecisionStatus:
            # Signed anew for each try: a decision's jti is single use, and the IdP lands at
            # most one decision per challenge whatever reaches it.
            token = client.identity.sign_decision(
                challenge, decision, number=signed_number, now=self.clock()
            )
            self._trace_signed(pending, client, token)
            return client.decide(token)

        try:
            status = self._retrying("decisions", pending.account, send, challenge.challenge_id)
        except IdpRefused as refusal:
            self._trace_answer(pending, error=refusal.code, status=refusal.status)
            if refusal.code in FINAL_REFUSALS:
                self._remember(pending, decision, refusal.code, inbox)
            raise
        self._trace_answer(pending, outcome=status.status)
        self._remember(pending, decision, status.status, inbox)
        return DecisionOutcome(challenge.challenge_id, decision, status.status)

    def _trace_signed(self, pending: PendingChallenge, client: DeviceClient, token: str) -> None:
        if self.trace is None:
            return
        self.trace.record(
            "signed",
            account_id=pending.account.id,
            challenge_id=pending.challenge.challenge_id,
            device_key_thumbprint=client.identity.key_thumbprint,
            **describe_token(token, None),
        )

    def _trace_answer(self, pending: PendingChallenge, **answer: object) -> None:
        if self.trace is not None:
            self.trace.record(
                "idp_answer",
                account_id=pending.account.id,
                challenge_id=pending.challenge.challenge_id,
                **answer,
            )

    def _remember(
        self,
        pending: PendingChallenge,
        decision: Decision,
        outcome: str,
        inbox: ChallengeInbox | None,
    ) -> None:
        now = self.clock()
        self.vault.record_answer(
            AnsweredChallenge(
                account_id=pending.account.id,
                challenge_id=pending.challenge.challenge_id,
                decision=decision,
                outcome=outcome[:64],
                answered_at=now,
                expires_at=pending.challenge.expires_at,
            ),
            now=now,
        )
        if inbox is not None:
            inbox.drop(pending.account.id, pending.challenge.challenge_id, "answered")

    def unenroll(self, account: Account) -> None:
        """Remove this device at the IdP, then its push enrollment from the vault (an account
        that also has codes keeps them)."""
        self.client(account).unenroll()
        self._clients.pop(account.id, None)
        if account.otp is not None:
            self.vault.replace_account(account.model_copy(update={"push": None}))
        else:
            self.vault.remove_account(account.id)
