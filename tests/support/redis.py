"""A throw-away Redis server on loopback for tests (Debian's redis-server package).

``redis_server()`` yields a ``redis://127.0.0.1:PORT/0`` URL; ``RedisServer`` is the same server
as an object, for failure tests that take it away and bring it back on the same port::

    with RedisServer() as redis:
        redis.url                 # redis://127.0.0.1:PORT/0
        redis.stop()              # clients get connection errors from now on
        redis.start()             # an empty Redis again, same port

No persistence (``--save '' --appendonly no``): a restart starts empty, as a Redis used only
for pub/sub, counters and expiring keys may after a crash.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from tests.conftest import free_port

__all__ = ["RedisServer", "redis_binary", "redis_server"]


def redis_binary() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


def ping(port: int, *, timeout: float = 0.5) -> bool:
    """True when a Redis answers PING on 127.0.0.1:port (raw RESP, no client library needed)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One ``redis-server`` in a temp dir, bound to 127.0.0.1 only, without persistence."""

    def __init__(self) -> None:
        binary = redis_binary()
        if binary is None:
            raise RuntimeError("redis-server is not installed (./scripts/test installs it)")
        self.binary = binary
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="idp-redis-"))
        self.log_path = self.root / "redis.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> RedisServer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start (again) on the same port, empty, and wait until it answers PING."""
        if self.running:
            return
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--protected-mode",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.root,
        )
        log.close()
        deadline = time.monotonic() + 20
        while not ping(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start:\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server now (SIGTERM; nothing is saved); clients lose their connections."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


@contextmanager
def redis_server() -> Iterator[str]:
    """Yield a ``redis://`` URL of a fresh Redis; the server is stopped afterwards."""
    with RedisServer() as server:
        yield server.url
