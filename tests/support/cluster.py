"""Several real ``idp serve`` instances (gunicorn + gevent) acting as one IdP, for tests.

They share one PostgreSQL database, one Redis, one secret key, one ``IDP_BASE_URL`` and one
instance folder (so the development outbox, ``/_dev/mail``, is the same file for all); test mode
is on. ``idp init-demo`` runs once before they start. Each instance listens on its own free
loopback port; all are started together, then each must answer ``/healthz``::

    with PostgresServer() as pg, RedisServer() as redis:
        with IdpCluster(database_url=pg.url, redis_url=redis.url, instances=2) as cluster:
            a, b = cluster.instances
            a.url("/realms/jasmin/login")     # http://127.0.0.1:PORT_A/realms/jasmin/login
            cluster.base_url                  # IDP_BASE_URL: instance A's URL unless given
            cluster.cli("device", "enroll-uri", "jasmin", "camille.martin")
            cluster.logs()                    # every instance's log tail, for assert messages

Or ``idp_cluster(instances=2)``, which also starts the PostgreSQL and Redis it runs on.

``IDP_BASE_URL`` is the public URL: the device API binds tokens to it (audience) and links
are built from it, so every instance must have the same one, as behind a load balancer. Without
a load balancer, it defaults to the first instance's URL: a device enrolled there may call
any instance.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from tests.conftest import free_port
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer

__all__ = ["IdpCluster", "IdpInstance", "idp_cluster"]

# Cheap hashing: the cluster tests are about processes, not argon2's cost.
FAST_ARGON2_ENV = {
    "IDP_ARGON2_TIME_COST": "1",
    "IDP_ARGON2_MEMORY_COST": "8192",
    "IDP_ARGON2_PARALLELISM": "1",
}


def _idp_command() -> str:
    return str(Path(sys.executable).parent / "idp")


@dataclass
class IdpInstance:
    """One ``idp serve`` (a gunicorn master and its workers, in their own process group)."""

    name: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return ""

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url("/healthz"), timeout=1) as resp:  # noqa: S310
                return bool(resp.status == 200)
        except OSError:
            return False


class IdpCluster:
    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str,
        instances: int = 2,
        workers: int = 1,
        base_url: str | None = None,
        root: Path | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        if instances < 1:
            raise ValueError("a cluster has at least one instance")
        self.workers = workers
        self.start_timeout = start_timeout
        self._own_root = root is None
        self.root = root or Path(tempfile.mkdtemp(prefix="idp-cluster-"))
        self.instance_path = self.root / "instance"
        self.instance_path.mkdir(parents=True, exist_ok=True)
        self.instances = [
            IdpInstance(chr(ord("A") + i), free_port(), self.root / f"idp-{chr(ord('A') + i)}.log")
            for i in range(instances)
        ]
        self.base_url = (base_url or self.instances[0].base_url).rstrip("/")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
        self.env.update(
            IDP_DATABASE_URL=database_url,
            IDP_REDIS_URL=redis_url,
            IDP_BASE_URL=self.base_url,
            IDP_INSTANCE_PATH=str(self.instance_path),
            IDP_SECRET_KEY="cluster-test-secret-" + "z" * 40,
            IDP_TEST_MODE="1",
            **FAST_ARGON2_ENV,
        )
        self.env.update(env or {})

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> IdpCluster:
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
        """``idp init-demo`` once, then every instance together; returns when all answer."""
        self.cli("init-demo")
        for instance in self.instances:
            self._spawn(instance)
        for instance in self.instances:
            self._wait_until_it_answers(instance)

    def start_instance(self, instance: IdpInstance) -> None:
        """(Re)start one instance on its port, e.g. after ``stop_instance``."""
        self._spawn(instance)
        self._wait_until_it_answers(instance)

    def _spawn(self, instance: IdpInstance) -> None:
        if instance.running:
            return
        log = instance.log_path.open("ab")
        instance.process = subprocess.Popen(
            [
                _idp_command(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(instance.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn's workers stop with it
        )
        log.close()

    def _wait_until_it_answers(self, instance: IdpInstance) -> None:
        deadline = time.monotonic() + self.start_timeout
        while not instance.answers():
            if instance.process is None or instance.process.poll() is not None:
                raise RuntimeError(f"idp serve {instance.name} exited early:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"idp serve {instance.name} did not answer:\n{self.logs()}")
            time.sleep(0.1)

    def stop_instance(self, instance: IdpInstance) -> None:
        """Stop one instance and all its workers (SIGTERM to the group, SIGKILL after 10 s)."""
        self._stop([instance])

    def stop(self) -> None:
        """Stop every instance (all signalled first, then awaited: gunicorn takes seconds)."""
        self._stop(self.instances)

    def _stop(self, instances: list[IdpInstance]) -> None:
        processes = []
        for instance in instances:
            process, instance.process = instance.process, None
            if process is not None:
                _kill_group(process, signal.SIGTERM)
                processes.append(process)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _kill_group(process, signal.SIGKILL)
                process.wait(timeout=10)
            # Workers that outlived their master (they should not) go with the group too.
            _kill_group(process, signal.SIGKILL)

    def close(self) -> None:
        self.stop()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers for tests -------------------------------------------------------------------

    @property
    def urls(self) -> list[str]:
        return [instance.base_url for instance in self.instances]

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``idp ARGS`` with the cluster's configuration (same database, Redis, secret)."""
        result = subprocess.run(
            [_idp_command(), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=180,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"idp {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )
        return result

    def logs(self, lines: int = 40) -> str:
        """Every instance's last log lines, to put in an assertion message."""
        return "\n".join(
            f"--- idp serve {i.name} ({i.base_url}) ---\n{i.log_tail(lines)}"
            for i in self.instances
        )


def _kill_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@contextmanager
def idp_cluster(
    *, instances: int = 2, workers: int = 1, env: Mapping[str, str] | None = None
) -> Iterator[IdpCluster]:
    """A cluster on its own throw-away PostgreSQL and Redis, all removed afterwards."""
    with (
        PostgresServer() as pg,
        RedisServer() as redis,
        IdpCluster(
            database_url=pg.url, redis_url=redis.url, instances=instances, workers=workers, env=env
        ) as cluster,
    ):
        yield cluster
