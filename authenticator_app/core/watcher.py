"""Watch push accounts: one SSE stream per account, catch-up from ``pending``, an inbox.

:meth:`Watcher.run` blocks and hands :data:`WatchEvent` values to ``emit`` on the calling thread
(the CLI prints them; a GUI presenter posts them to the UI thread). Streams run in daemon threads
(each with its own HTTP session) and only feed a queue; every pending fetch, verification and
inbox change happens on the calling thread.

- on every (re)connection: fetch that account's pending list (events sent meanwhile are lost);
- on a ``challenge`` event: verify the signed challenge it carries (protocol v2), no request;
- on ``superseded`` / ``decided`` / ``expired`` hints: drop that challenge;
- every ``tick`` seconds: drop expired challenges;
- ``device_unknown`` / ``device_revoked`` end :meth:`run` with that error.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import requests

from authenticator_app.core.accounts import Account
from authenticator_app.core.challenges import (
    ChallengeInbox,
    Dropped,
    DropReason,
    InboxChanges,
    PendingChallenge,
)
from authenticator_app.core.errors import AuthenticatorError, ChallengeRefused, NetworkError
from authenticator_app.core.events import (
    FATAL_CODES,
    HintStream,
    StreamConnected,
    StreamEvent,
    StreamHint,
    StreamLost,
)
from authenticator_app.core.idp_errors import IdpRefused
from authenticator_app.core.push_service import PushService, RetryNotice
from authenticator_app.core.summaries import challenge_summary, dropped_summary, refusal_summary

__all__ = [
    "ChallengeArrived",
    "ChallengeDropped",
    "ChallengeRefusedEvent",
    "ConnectionChanged",
    "WatchEvent",
    "WatchProblem",
    "Watcher",
    "status_line",
    "watch_event_summary",
]

_HINT_DROPS: Final[dict[str, DropReason]] = {
    "superseded": "superseded",
    "decided": "decided",
    "expired": "expired",
}


@dataclass(frozen=True, slots=True)
class ChallengeArrived:
    pending: PendingChallenge


@dataclass(frozen=True, slots=True)
class ChallengeRefusedEvent:
    refusal: ChallengeRefused


@dataclass(frozen=True, slots=True)
class ChallengeDropped:
    dropped: Dropped


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    account_id: str
    connected: bool
    error: AuthenticatorError | None = None
    retry_in: float | None = None


@dataclass(frozen=True, slots=True)
class WatchProblem:
    """A non-fatal failure (e.g. a catch-up fetch that could not reach the IdP); with
    ``retry_in``, the call is tried again that many seconds later."""

    account_id: str
    error: AuthenticatorError
    retry_in: float | None = None


WatchEvent = (
    ChallengeArrived | ChallengeRefusedEvent | ChallengeDropped | ConnectionChanged | WatchProblem
)


def watch_event_summary(event: WatchEvent, *, now: datetime) -> dict[str, Any]:
    """The JSON line of a challenge event (``event``: challenge, refused or dropped).

    Connection news has no JSON form: it is not about a challenge."""
    if isinstance(event, ChallengeArrived):
        return challenge_summary(event.pending, now=now)
    if isinstance(event, ChallengeRefusedEvent):
        return refusal_summary(event.refusal)
    if isinstance(event, ChallengeDropped):
        return dropped_summary(event.dropped)
    raise TypeError(f"no JSON form for {type(event).__name__}")


def status_line(event: ConnectionChanged | WatchProblem, label: str) -> str:
    """A one-line notice about the connection of the account ``label``."""
    if isinstance(event, WatchProblem):
        retry = f"; trying again in {event.retry_in:g} s" if event.retry_in else ""
        return f"warning [{event.error.code}]: {event.error.message} ({label}){retry}"
    if event.connected:
        return f"listening for {label}"
    retry = f"{event.retry_in or 0:g} s"
    if event.error is not None:
        return f"connection for {label} lost [{event.error.code}]; retrying in {retry}"
    return f"stream for {label} ended; reconnecting in {retry}"


@dataclass(frozen=True, slots=True)
class _StreamFailed:
    error: AuthenticatorError


class Watcher:
    def __init__(
        self,
        service: PushService,
        accounts: Sequence[Account],
        *,
        inbox: ChallengeInbox | None = None,
        read_timeout: float = 45.0,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        tick: float = 1.0,
    ) -> None:
        self.service = service
        self.accounts = {a.id: a for a in accounts}
        self.inbox = inbox or service.new_inbox()
        self._stop = threading.Event()
        self._queue: queue.Queue[StreamEvent | _StreamFailed] = queue.Queue()
        self._streams = [
            HintStream(
                account.id,
                service.client(account, session=requests.Session()),
                read_timeout=read_timeout,
                backoff_initial=backoff_initial,
                backoff_max=backoff_max,
                stop=self._stop,
            )
            for account in accounts
        ]
        self._tick = tick
        self._retried: set[str] = set()

    def stop(self) -> None:
        """End :meth:`run` (from any thread)."""
        self._stop.set()
        for stream in self._streams:
            stream.close()

    def _pump(self, stream: HintStream) -> None:
        try:
            for event in stream:
                self._queue.put(event)
        except AuthenticatorError as exc:
            self._queue.put(_StreamFailed(exc))

    def run(self, emit: Callable[[WatchEvent], None]) -> None:
        """Watch until :meth:`stop` (or a fatal error, raised)."""
        threads = [
            threading.Thread(target=self._pump, args=(s,), name=f"sse-{s.account_id}", daemon=True)
            for s in self._streams
        ]
        for thread in threads:
            thread.start()
        # Retries of a catch-up (a 5xx, no answer) are told to the user as they happen.
        previous, self.service.on_retry = self.service.on_retry, self._retry_notice(emit)
        try:
            while not self._stop.is_set():
                try:
                    item = self._queue.get(timeout=self._tick)
                except queue.Empty:
                    item = None
                if isinstance(item, _StreamFailed):
                    raise item.error
                if item is not None:
                    self._handle(item, emit)
                for dropped in self.inbox.expire(self.service.clock()):
                    emit(ChallengeDropped(dropped))
        finally:
            self.service.on_retry = previous
            self.stop()

    def _retry_notice(self, emit: Callable[[WatchEvent], None]) -> Callable[[RetryNotice], None]:
        def notice(retry: RetryNotice) -> None:
            self._retried.add(retry.account_id)
            emit(WatchProblem(retry.account_id, retry.error, retry_in=retry.delay))

        return notice

    def _handle(self, event: StreamEvent, emit: Callable[[WatchEvent], None]) -> None:
        account = self.accounts[event.account_id]
        if isinstance(event, StreamConnected):
            emit(ConnectionChanged(account.id, connected=True))
            self._catch_up(account, emit)
        elif isinstance(event, StreamLost):
            emit(ConnectionChanged(account.id, False, event.error, event.retry_in))
        elif isinstance(event, StreamHint):
            hint = event.hint
            if hint.event == "challenge" and hint.challenge is not None:
                changes = self.inbox.ingest(
                    account,
                    [hint.challenge],
                    now=self.service.clock(),
                    complete=False,
                    source="event stream",
                )
                _emit_changes(changes, emit)
            elif hint.event == "challenge":
                self._catch_up(account, emit)
            elif (reason := _HINT_DROPS.get(hint.event)) is not None:
                if self.service.trace is not None:
                    self.service.trace.record(
                        "hint",
                        account_id=account.id,
                        challenge_id=hint.challenge_id,
                        source="event stream",
                        hint=hint.event,
                    )
                dropped = self.inbox.drop(account.id, hint.challenge_id, reason)
                if dropped is not None:
                    emit(ChallengeDropped(dropped))

    def _catch_up(self, account: Account, emit: Callable[[WatchEvent], None]) -> None:
        self._retried.discard(account.id)
        try:
            changes = self.service.refresh(self.inbox, [account])
        except IdpRefused as exc:
            if exc.code in FATAL_CODES:
                raise
            emit(WatchProblem(account.id, exc))
            return
        except NetworkError as exc:
            emit(WatchProblem(account.id, exc))
            return
        if account.id in self._retried:  # it worked in the end: the problem is over
            emit(ConnectionChanged(account.id, connected=True))
        _emit_changes(changes, emit)


def _emit_changes(changes: InboxChanges, emit: Callable[[WatchEvent], None]) -> None:
    for refusal in changes.refused:
        emit(ChallengeRefusedEvent(refusal))
    for dropped in changes.dropped:
        emit(ChallengeDropped(dropped))
    for pending in changes.added:
        emit(ChallengeArrived(pending))
