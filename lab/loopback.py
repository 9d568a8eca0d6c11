"""A real IdP in test mode, in this process, on a loopback port (werkzeug's threaded server).

Its own SQLite database in a folder, migrated by Alembic; a clock that moves only when told
(``POST /_dev/clock``: forward, back, reset); cheap argon2 (the simulations are
about push, not password hashing). ``seed`` makes the challenges' numbers and choices
reproducible (``idp.testmode.rng``).
"""

from __future__ import annotations

import logging
import random
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from werkzeug.serving import make_server

__all__ = ["LoopbackIdp", "loopback_idp"]

FAST_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8192, "ARGON2_PARALLELISM": 1}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LoopbackIdp:
    def __init__(
        self, folder: Path, *, seed: int | None = None, start: datetime | None = None
    ) -> None:
        from idp import create_app
        from idp.clock import FixedClock

        # Time moves only through POST /_dev/clock: no wall-clock drift between requests, so
        # a seeded run lands on the same side of every window each time.
        self.epoch = (start or datetime.now(UTC)).replace(microsecond=0)

        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.app: Flask = create_app(
            {
                "TEST_MODE": True,
                "BIND_HOST": "127.0.0.1",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "DATABASE_URL": f"sqlite:///{folder / 'idp.sqlite3'}",
                "INSTANCE_PATH": str(folder),
                "BASE_URL": self.base_url,
                "RATELIMIT_ENABLED": False,
                "CLOCK": FixedClock(self.epoch),
                **FAST_ARGON2,
            }
        )
        if seed is not None:
            self.app.extensions["idp.testmode.rng"] = random.Random(seed)  # noqa: S311 - reproducible numbers
        with self.app.app_context():
            from flask_migrate import upgrade

            upgrade()
        # One line per request would drown the report (thousands of requests per run).
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.http = requests.Session()

    def start(self) -> LoopbackIdp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self.http.close()
        with self.app.app_context():
            from idp.extensions import db

            db.engine.dispose()

    def url(self, path: str) -> str:
        return self.base_url + path

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.http.post(self.url(path), json=body, timeout=30)

    def move_clock(self, seconds: int) -> None:
        if seconds:
            self.post("/_dev/clock", {"seconds": int(seconds)}).raise_for_status()

    def reset_clock(self) -> None:
        self.post("/_dev/clock", {"reset": True}).raise_for_status()

    def clock_offset(self) -> int:
        response = self.http.get(self.url("/_dev/clock"), timeout=30)
        response.raise_for_status()
        return int(response.json()["offset_seconds"])


@contextmanager
def loopback_idp(folder: Path, *, seed: int | None = None) -> Iterator[LoopbackIdp]:
    idp = LoopbackIdp(folder, seed=seed).start()
    try:
        yield idp
    finally:
        idp.stop()
