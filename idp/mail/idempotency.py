"""Remember which logical mails were delivered, so a retried page does not send twice.

``SentKeys`` is an in-process LRU of the last ``capacity`` delivered idempotency keys (stored
as SHA-256 digests, with the first delivery's result), plus one lock per key in flight: two
concurrent sends of the same key (a double submit) run one after the other, and the second
finds the first's success. Only successes are remembered: after a failure the key is free and
a retry really sends.

Limit: the memory is per process. Scaled out (``IDP_REDIS_URL``), :class:`RedisSentKeys` keeps
the same contract across every worker and instance.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

from idp.mail.message import DeliveryResult

__all__ = ["Claim", "RedisSentKeys", "SentKeys"]

log = logging.getLogger(__name__)


class Claim:
    """The right to send one key; ``previous`` is set when it was already delivered."""

    def __init__(self, keys: SentKeys, digest: str, previous: DeliveryResult | None) -> None:
        self._keys = keys
        self._digest = digest
        self.previous = previous

    def delivered(self, result: DeliveryResult) -> None:
        self._keys._remember(self._digest, result)


class SentKeys:
    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._guard = threading.Lock()
        self._sent: OrderedDict[str, DeliveryResult] = OrderedDict()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._sent)

    @contextmanager
    def claim(self, key: str) -> Iterator[Claim]:
        """Hold ``key`` for the duration of a send (waiting for another holder to finish)."""
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        with self._guard:
            lock, holders = self._locks.get(digest) or (threading.Lock(), 0)
            self._locks[digest] = (lock, holders + 1)
        try:
            with lock:
                with self._guard:
                    previous = self._sent.get(digest)
                    if previous is not None:
                        self._sent.move_to_end(digest)
                yield Claim(self, digest, previous)
        finally:
            with self._guard:
                lock, holders = self._locks[digest]
                if holders <= 1:
                    del self._locks[digest]
                else:
                    self._locks[digest] = (lock, holders - 1)

    def _remember(self, digest: str, result: DeliveryResult) -> None:
        with self._guard:
            self._sent[digest] = result
            self._sent.move_to_end(digest)
            while len(self._sent) > self.capacity:
                self._sent.popitem(last=False)


class RedisSentKeys(SentKeys):
    """The same contract across processes and instances (the IdP scaled out with Redis).

    A key is held with ``SET lock NX PX`` (a holder that dies frees it after ``hold_ms``), its
    delivery is remembered for ``remember_seconds``. Redis unreachable: the send goes on
    without the guard (a duplicate mail is better than a lost one) and says so in the log.
    """

    LOCK = "idp:mail:lock:"
    SENT = "idp:mail:sent:"
    _RELEASE = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end "
        "return 0"
    )

    def __init__(
        self,
        client: Any,
        *,
        hold_ms: int = 30_000,
        remember_seconds: int = 7 * 24 * 3600,
        poll_seconds: float = 0.05,
    ) -> None:
        super().__init__(0)
        self._client = client
        self._hold_ms = hold_ms
        self._remember_seconds = remember_seconds
        self._poll = poll_seconds

    def __len__(self) -> int:
        return 0  # not counted locally

    @contextmanager
    def claim(self, key: str) -> Iterator[Claim]:
        import redis

        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        token = secrets.token_hex(16)
        held = False
        try:
            deadline = time.monotonic() + self._hold_ms / 1000
            while not (
                held := bool(self._client.set(self.LOCK + digest, token, nx=True, px=self._hold_ms))
            ):
                if time.monotonic() > deadline:
                    break
                time.sleep(self._poll)
            raw = self._client.get(self.SENT + digest)
        except redis.RedisError as exc:
            log.warning("mail idempotency store unreachable (%s): sending unguarded", exc)
            yield Claim(self, "", None)
            return
        try:
            yield Claim(self, digest, _result_from_json(raw))
        finally:
            if held:
                # On failure the lock expires by itself after hold_ms.
                with suppress(redis.RedisError):
                    self._client.eval(self._RELEASE, 1, self.LOCK + digest, token)

    def _remember(self, digest: str, result: DeliveryResult) -> None:
        import redis

        if not digest:
            return
        try:
            self._client.set(self.SENT + digest, _result_to_json(result), ex=self._remember_seconds)
        except redis.RedisError as exc:
            log.warning("mail delivery not remembered (%s)", exc)


def _result_to_json(result: DeliveryResult) -> str:
    return json.dumps(
        {
            "message_id": result.message_id,
            "transport": result.transport,
            "sent_at": result.sent_at.isoformat(),
        }
    )


def _result_from_json(raw: object) -> DeliveryResult | None:
    if not raw:
        return None
    try:
        data = json.loads(raw.decode() if isinstance(raw, bytes) else str(raw))
        return DeliveryResult(
            message_id=str(data["message_id"]),
            transport=str(data["transport"]),
            sent_at=datetime.fromisoformat(data["sent_at"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
