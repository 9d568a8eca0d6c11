"""The app's :class:`~authenticator_app.presenters.runner.Runner`: work on a small thread pool,
results back on the UI thread through ``Clock.schedule_once`` (thread-safe in Kivy)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from kivy.clock import Clock

from authenticator_app.core.errors import AuthenticatorError
from authenticator_app.presenters.runner import UnexpectedError

__all__ = ["KivyRunner"]

T = TypeVar("T")
log = logging.getLogger(__name__)


class KivyRunner:
    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="app-work")
        self.busy = 0
        """Work submitted and not yet delivered (tests wait for it to drop to zero)."""

    def post(self, action: Callable[[], None]) -> None:
        Clock.schedule_once(lambda _dt: action(), 0)

    def submit(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[AuthenticatorError], None],
    ) -> None:
        self.busy += 1

        def deliver(action: Callable[[], None]) -> None:
            def run(_dt: float) -> None:
                self.busy -= 1
                action()

            Clock.schedule_once(run, 0)

        def job() -> None:
            try:
                result = work()
            except AuthenticatorError as error:
                refused = error
                deliver(lambda: failed(refused))
            except Exception as exc:
                # A bug in background work must not leave a screen waiting for ever: log it
                # with its traceback and show it as an error the user can read.
                log.exception("background work failed")
                unexpected = UnexpectedError(f"{type(exc).__name__}: {exc}")
                deliver(lambda: failed(unexpected))
            else:
                deliver(lambda: done(result))

        self._pool.submit(job)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
