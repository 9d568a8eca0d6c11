"""One account's SSE stream of challenge hints, reconnected for ever (until stopped).

:class:`HintStream` yields what happens on the wire, as plain values:

- :class:`StreamConnected`: a (re)connection succeeded. **Catch up from ``pending`` now**: hints
  sent while the stream was down are lost, the pending list is not.
- :class:`StreamHint`: a parsed :class:`~shared.messages.ChallengeHint` (``challenge``: fetch
  pending; ``superseded``/``decided``/``expired``: drop that id). A hint is only a wake-up call.
- :class:`StreamHeartbeat`: a ``: ping`` comment (the IdP sends one every 15 s).
- :class:`StreamLost`: the stream ended (``error`` is None for a clean end, e.g. the IdP's
  5-minute limit) or failed; the next attempt is in ``retry_in`` seconds.

The read timeout (default 45 s) exceeds the heartbeat period, so a silent dead connection is
noticed. Failures back off exponentially (1 s to 30 s, reset once data flows). The IdP
answering ``device_unknown`` or ``device_revoked`` ends the stream with that error: retrying
cannot help.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import requests
import urllib3.exceptions

from authenticator_app.core.device_client import DeviceClient
from authenticator_app.core.errors import AuthenticatorError, IdpUnreachable, NetworkError
from authenticator_app.core.idp_errors import IdpRefused
from authenticator_app.core.sse import SseComment, SseParser
from shared.errors import ProtocolError
from shared.messages import ChallengeHint

__all__ = [
    "FATAL_CODES",
    "HintStream",
    "StreamConnected",
    "StreamEvent",
    "StreamHeartbeat",
    "StreamHint",
    "StreamLost",
]

FATAL_CODES: Final = frozenset({"device_unknown", "device_revoked", "upgrade_required"})
HINT_EVENTS: Final = frozenset({"hint", "message"})
_READ_SIZE: Final = 4096
# What a dropped or closed stream raises while being read.
_STREAM_ERRORS: Final = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    OSError,
    ValueError,
)


@dataclass(frozen=True, slots=True)
class StreamConnected:
    account_id: str


@dataclass(frozen=True, slots=True)
class StreamHint:
    account_id: str
    hint: ChallengeHint


@dataclass(frozen=True, slots=True)
class StreamHeartbeat:
    account_id: str


@dataclass(frozen=True, slots=True)
class StreamLost:
    account_id: str
    error: AuthenticatorError | None
    retry_in: float


StreamEvent = StreamConnected | StreamHint | StreamHeartbeat | StreamLost


class HintStream:
    def __init__(
        self,
        account_id: str,
        client: DeviceClient,
        *,
        read_timeout: float = 45.0,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        stop: threading.Event | None = None,
    ) -> None:
        self.account_id = account_id
        self.client = client
        self.read_timeout = read_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.stop = stop or threading.Event()
        self._response: requests.Response | None = None

    def close(self) -> None:
        """Stop: the iterator ends at its next step (closing the open response wakes it)."""
        self.stop.set()
        response = self._response
        if response is not None:
            # Shut the socket down first: closing the response alone waits for the buffered
            # reader's lock, which the reading thread holds while it is blocked in recv().
            _shutdown_socket(response)
            with contextlib.suppress(*_STREAM_ERRORS):
                response.close()

    def __iter__(self) -> Iterator[StreamEvent]:
        delay = self.backoff_initial
        while not self.stop.is_set():
            try:
                response = self.client.open_events(read_timeout=self.read_timeout)
            except IdpRefused as exc:
                if exc.code in FATAL_CODES:
                    raise
                yield StreamLost(self.account_id, exc, delay)
                delay = self._pause(delay)
                continue
            except NetworkError as exc:
                yield StreamLost(self.account_id, exc, delay)
                delay = self._pause(delay)
                continue
            self._response = response
            yield StreamConnected(self.account_id)
            parser = SseParser()
            error: AuthenticatorError | None = None
            try:
                for chunk in self._chunks(response):
                    delay = self.backoff_initial  # data flows: the connection is healthy
                    yield from self._events(parser, chunk)
            except _STREAM_ERRORS as exc:
                error = IdpUnreachable(f"the event stream dropped: {type(exc).__name__}")
            except NetworkError as exc:  # e.g. an over-long line
                error = exc
            finally:
                self._response = None
                with contextlib.suppress(*_STREAM_ERRORS):
                    response.close()
            if self.stop.is_set():
                return
            retry = (parser.retry_ms or 0) / 1000 or self.backoff_initial
            wait = max(retry, delay) if error else retry
            yield StreamLost(self.account_id, error, wait)
            self.stop.wait(wait)
            if error is not None:
                delay = min(delay * 2, self.backoff_max)

    def _pause(self, delay: float) -> float:
        self.stop.wait(delay)
        return min(delay * 2, self.backoff_max)

    def _chunks(self, response: requests.Response) -> Iterator[bytes]:
        raw = response.raw
        while not self.stop.is_set():
            # read1: whatever has arrived (at most one read), so a hint is not held back
            # waiting for a buffer to fill.
            try:
                data: bytes = raw.read1(_READ_SIZE)
            except AttributeError:
                # close() from another thread tore the response down under this read (http.client
                # drops its file object): that is how a stop wakes a blocked reader.
                if self.stop.is_set():
                    return
                raise
            if not data:
                return
            yield data

    def _events(self, parser: SseParser, chunk: bytes) -> Iterator[StreamEvent]:
        for item in parser.feed(chunk):
            if isinstance(item, SseComment):
                yield StreamHeartbeat(self.account_id)
            elif item.event in HINT_EVENTS:
                try:
                    hint = ChallengeHint.from_json(item.data)
                except ProtocolError:
                    continue  # a hint we cannot read is just not a wake-up call
                yield StreamHint(self.account_id, hint)


def _shutdown_socket(response: requests.Response) -> None:
    """Wake a thread blocked reading ``response`` (urllib3 -> http.client -> socket)."""
    chain = ("_fp", "fp", "raw", "_sock")
    target: object = response.raw
    for name in chain:
        target = getattr(target, name, None)
        if target is None:
            return
    if isinstance(target, socket.socket):
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_RDWR)
