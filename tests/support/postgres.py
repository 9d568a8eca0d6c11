"""A throw-away PostgreSQL server on loopback for tests (Debian's postgresql package).

``postgres_server()`` yields the URL of a fresh database; ``PostgresServer`` is the same server
as an object, for tests that restart it (``stop()`` then ``start()``: the same cluster, the same
port, the data kept) or create more databases (``create_database``, ``drop_database``)::

    with PostgresServer() as pg:
        pg.url                     # postgresql://postgres@127.0.0.1:PORT/idp
        pg.stop(); pg.start()      # a restart: clients lose their connections

initdb refuses to run as root, so as root the cluster runs as the ``postgres`` system user.
The server runs with ``fsync=off`` (a test cluster: speed over durability).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.conftest import free_port

__all__ = ["PostgresServer", "pg_bin", "postgres_server"]


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres() -> dict[str, Any]:
    """Popen arguments that run a command as ``postgres`` when we are root."""
    if os.geteuid() == 0:
        return {"user": "postgres", "group": "postgres", "extra_groups": []}
    return {}


class PostgresServer:
    """One PostgreSQL cluster in a temp dir, listening on 127.0.0.1 only."""

    def __init__(self, *, database: str = "idp") -> None:
        binaries = pg_bin()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed (./scripts/test installs postgresql)")
        self.bin = binaries
        self.database = database
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="idp-pg-"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.log_path = self.root / "postgres.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return self.url_of(self.database)

    def url_of(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> PostgresServer:
        try:
            self._init_cluster()
            self.start()
            self.create_database(self.database)
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

    def _init_cluster(self) -> None:
        self.sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sock, "postgres")
        subprocess.run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
            timeout=120,
            cwd=self.root,
            **_as_postgres(),
        )

    def start(self) -> None:
        """Start the cluster (again) on the same port and wait until it accepts connections."""
        if self.running:
            return
        log = self.log_path.open("ab")
        if os.geteuid() == 0:
            shutil.chown(self.log_path, "postgres")
        self._process = subprocess.Popen(
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.sock),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "timezone=Europe/Paris",
                "-c",
                "max_connections=200",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.root,
            **_as_postgres(),
        )
        log.close()
        deadline = time.monotonic() + 30
        while not self._ready():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Fast shutdown (clients are disconnected, as on a server restart); data is kept."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGQUIT)  # immediate shutdown
            process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _ready(self) -> bool:
        probe = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
            check=False,
        )
        return probe.returncode == 0

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    # -- databases ---------------------------------------------------------------------------

    def sql(self, statement: str, *, database: str = "postgres") -> None:
        """Run one statement in autocommit (CREATE/DROP DATABASE cannot run in a transaction)."""
        import psycopg

        with psycopg.connect(self.url_of(database), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type,unused-ignore]  # not LiteralString

    def create_database(self, name: str, *, template: str | None = None) -> str:
        clause = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        self.sql(f'CREATE DATABASE "{name}"{clause}')
        return self.url_of(name)

    def drop_database(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a ``postgresql://`` URL of a fresh database; the cluster is removed afterwards."""
    with PostgresServer() as server:
        yield server.url
