"""Run the core's :class:`~authenticator_app.core.watcher.Watcher` in a background thread.

The watcher keeps one SSE stream per push account and catches up from ``pending`` on every
(re)connection, so starting a watch (app start, unlock, resume) is the catch-up. Each event is
handed to ``deliver`` **on the watch thread**; the push presenter posts it to the UI thread.
A fatal error (the device was removed at the IdP) ends the watch with :class:`WatchEnded`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from authenticator_app.core.accounts import Account
from authenticator_app.core.errors import AuthenticatorError
from authenticator_app.core.push_service import PushService
from authenticator_app.core.watcher import Watcher, WatchEvent

__all__ = [
    "Delivery",
    "ThreadedWatch",
    "WatchEnded",
    "WatchHandle",
    "WatchLauncher",
    "threaded_launcher",
]


@dataclass(frozen=True, slots=True)
class WatchEnded:
    """The watch stopped: asked to (``error`` None) or on a fatal error."""

    error: AuthenticatorError | None = None


Delivery = Callable[[WatchEvent | WatchEnded], None]


class WatchHandle(Protocol):
    def stop(self) -> None: ...


WatchLauncher = Callable[[Sequence[Account], Delivery], WatchHandle]


class ThreadedWatch:
    def __init__(
        self,
        service: PushService,
        accounts: Sequence[Account],
        deliver: Delivery,
        **watcher_options: Any,
    ) -> None:
        self._watcher = Watcher(service, accounts, **watcher_options)
        self._deliver = deliver
        self._thread = threading.Thread(target=self._run, name="push-watch", daemon=True)

    def start(self) -> ThreadedWatch:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._watcher.run(self._deliver)
        except AuthenticatorError as error:
            self._deliver(WatchEnded(error))
            return
        self._deliver(WatchEnded(None))

    def stop(self) -> None:
        self._watcher.stop()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)


def threaded_launcher(
    service_factory: Callable[[], PushService], **watcher_options: Any
) -> WatchLauncher:
    """A launcher giving each watch its own :class:`PushService` (its own HTTP sessions)."""

    def launch(accounts: Sequence[Account], deliver: Delivery) -> WatchHandle:
        return ThreadedWatch(service_factory(), accounts, deliver, **watcher_options).start()

    return launch
