"""Where slow work runs: :class:`Runner` (the app's runs it on a worker thread and delivers the
result on the UI thread); :class:`ImmediateRunner` runs everything at once, for tests and
previews."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from authenticator_app.core.errors import AuthenticatorError

__all__ = ["ImmediateRunner", "Runner", "UnexpectedError"]

T = TypeVar("T")


class UnexpectedError(AuthenticatorError):
    """A bug or an unforeseen failure in background work, reported instead of hanging."""

    code = "unexpected_error"


class Runner(Protocol):
    def submit(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[AuthenticatorError], None],
    ) -> None:
        """Run ``work`` off the UI thread; then ``done(result)`` or ``failed(error)`` on it."""

    def post(self, action: Callable[[], None]) -> None:
        """Run ``action`` on the UI thread (callable from any thread)."""


class ImmediateRunner:
    """Runs work synchronously; only :class:`AuthenticatorError` goes to ``failed`` (anything
    else is a bug and propagates, so a test sees it)."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[AuthenticatorError], None],
    ) -> None:
        self.submitted += 1
        try:
            result = work()
        except AuthenticatorError as error:
            failed(error)
            return
        done(result)

    def post(self, action: Callable[[], None]) -> None:
        action()
