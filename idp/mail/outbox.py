"""The development outbox: where mail goes when ``IDP_SMTP_URL`` is unset.

It keeps the last ``MAIL_OUTBOX_LIMIT`` (200) messages. By default they live in a JSON file in
the instance folder (``MAIL_OUTBOX_FILE``, ``dev-outbox.json``), so every gunicorn worker of
``idp serve``, a restarted server and a test in another process see the same list; writes take
an exclusive ``flock`` and replace the file atomically, readers never see half a file. With
``MAIL_OUTBOX_FILE = ""`` the list is in memory only (one process).

The file holds codes and links in clear (mode 0600): it is a development tool. Production sets
``IDP_SMTP_URL``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from idp.mail.composing import ComposedMail
from idp.mail.errors import MailDeliveryFailed

__all__ = ["Outbox", "OutboxTransport"]

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, path: Path | None = None, *, limit: int = 200) -> None:
        self.path = path
        self.limit = limit
        self._memory: deque[dict[str, Any]] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def add(self, entry: Mapping[str, Any]) -> None:
        with self._lock:
            if self.path is None:
                self._memory.append(dict(entry))
                return
            with _file_lock(self.path):
                entries = [*_read_file(self.path), dict(entry)][-self.limit :]
                _write_file(self.path, entries)

    def as_json(self) -> list[dict[str, Any]]:
        """The kept messages, oldest first, as plain dicts (to, from, subject, text, html,
        kind, language, message_id, date)."""
        with self._lock:
            if self.path is None:
                return [dict(e) for e in self._memory]
            return _read_file(self.path)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
            if self.path is not None:
                with _file_lock(self.path):
                    _write_file(self.path, [])


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _read_file(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        log.warning("development outbox %s unreadable (%s): starting afresh", path, exc)
        return []
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def _write_file(path: Path, entries: list[dict[str, Any]]) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(entries, f, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


class OutboxTransport:
    name = "outbox"

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def deliver(self, composed: ComposedMail) -> None:
        try:
            self.outbox.add(composed.as_json())
        except OSError as exc:
            raise MailDeliveryFailed(
                f"cannot write the development outbox: {type(exc).__name__}",
                reason="outbox_unwritable",
            ) from exc
