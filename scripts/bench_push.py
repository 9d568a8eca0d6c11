"""Push benchmark: N simulated devices holding SSE streams against a real ``idp serve``.

For each N (``--devices 100 1000``) it makes a fresh SQLite instance, creates N users of realm
``jasmin`` with one enrollment offer each (in-process, before the server starts), starts
``idp serve`` (gunicorn + gevent, one worker) on a free loopback port, enrolls the N devices over
HTTP, opens one SSE stream per device, measures the worker's memory with the N streams idle,
then runs round trips one at a time (``--sequential``, default 100) and K more with C in
flight (``--challenges``, ``--concurrency``; default 300 and 4):

    browser: POST /_dev/.../challenges           -> "created" (the POST returned; number shown)
    device:  SSE event received, carrying the signed challenge (protocol v2) -> delivery latency
    device:  verify the JWS (pinned JWKS), sign + POST the decision -> "approved"
    browser: GET /_dev/challenges/<id>?wait=10     -> "approved": end of the round trip
             (the waiting page's long-poll, sent as soon as the number is shown)

and prints p50/p95/p99/max, throughput, the worker's RSS and CPU seconds. The protocol is that
of docs/protocol.md, spoken with ``shared`` and ``requests`` (the same as
tests/idp/device_api/device.py, over real HTTP). Client and server share the machine.

    .venv/bin/python scripts/bench_push.py [--devices 100 1000] [--sequential 100]
        [--challenges 300] [--concurrency 4] [--json] [--profile DIR] [--keep] [--no-fast-lane]

(or ``./scripts/bench_push`` with the same options). docs/performance.md has the figures.
"""

# ruff: noqa: E402 - gevent must patch the process before anything else is imported.
from gevent import monkey

monkey.patch_all()

import argparse
import atexit
import contextlib
import copy
import json
import math
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gevent
import gevent.event
import gevent.pool
import gevent.queue
import requests
from bench_http import LightResponse, LightSession

from shared.addresses import realm_url
from shared.identifiers import new_jti
from shared.jws import sign, verify
from shared.keys import generate_private_key, jwk_thumbprint, public_jwk
from shared.messages import (
    DeviceAuthToken,
    EnrollmentOffer,
    EnrollmentReceipt,
    EnrollmentRequest,
    PushChallenge,
    PushDecision,
)
from shared.messages.device_auth import authorization_header
from shared.timing import unix_time

REALM = "jasmin"
HTTP_TIMEOUT = (5.0, 30.0)  # connect, read
SSE_TIMEOUT = (10.0, 60.0)  # the IdP pings every 15 s
HINT_TIMEOUT = 10.0
SERVER_START_TIMEOUT = 60.0
STREAMS_TIMEOUT = 120.0
FIRST_STREAM_TIMEOUT = 15.0
ENROLL_POOL = 16
STREAM_POOL = 64
WARMUP = 10
PUSH_CAP = 100  # the realm's per-user cap is raised to its maximum for the benchmark
CLK_TCK = os.sysconf("SC_CLK_TCK")
MB_PER_MIB = 1.048576


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- server process


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def proc_stat(pid: int) -> tuple[int, float]:
    """(parent pid, CPU seconds user+system) of ``pid`` from /proc."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    rest = raw[raw.rfind(")") + 2 :].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / CLK_TCK


def proc_memory(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM (peak RSS) and Pss (shared pages split between sharers) of ``pid``, MiB."""
    out: dict[str, float] = {"Pss": 0.0}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            out[name] = int(value.split()[0]) / 1024
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == "Pss":
                out["Pss"] = int(value.split()[0]) / 1024
    return out


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if proc_stat(int(entry.name))[0] == pid:
                    kids.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return sorted(kids)


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    workers: list[int] = field(default_factory=list)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def memory(self) -> dict[str, float]:
        """Worker RSS (the sum over workers) and peak, plus the master's RSS, in MiB."""
        rss = hwm = pss = 0.0
        for pid in self.workers:
            mem = proc_memory(pid)
            rss += mem["VmRSS"]
            hwm += mem["VmHWM"]
            pss += mem["Pss"]
        master = proc_memory(self.process.pid)
        return {
            "worker_rss_mib": rss,
            "worker_peak_mib": hwm,
            "master_rss_mib": master["VmRSS"],
            "total_pss_mib": pss + master["Pss"],
        }

    def cpu_seconds(self) -> float:
        return sum(proc_stat(pid)[1] for pid in self.workers)


_servers: list[Server] = []


@dataclass
class Fleet:
    """Several ``idp serve`` instances acting as one IdP (PostgreSQL + Redis)."""

    servers: list[Server]

    @property
    def base_url(self) -> str:
        return self.servers[0].base_url

    @property
    def workers(self) -> list[int]:
        return [pid for s in self.servers for pid in s.workers]

    def memory(self) -> dict[str, float]:
        total: dict[str, float] = {}
        for server in self.servers:
            for key, value in server.memory().items():
                total[key] = total.get(key, 0.0) + value
        return total

    def cpu_seconds(self) -> float:
        return sum(s.cpu_seconds() for s in self.servers)


# Scaled layout (--workers/--instances > 1): the shared PostgreSQL and Redis URLs.
SCALE_ENV: dict[str, str] = {}
# More settings of the servers: IDP_FAST_LANE=0 with --no-fast-lane (idp/web/fast_lane.py).
EXTRA_ENV: dict[str, str] = {}


def idp_env(instance: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(
        IDP_INSTANCE_PATH=str(instance),
        IDP_DATABASE_URL=SCALE_ENV.get("IDP_DATABASE_URL", f"sqlite:///{instance / 'idp.sqlite3'}"),
        IDP_BASE_URL=f"http://127.0.0.1:{port}",
        IDP_SECRET_KEY="bench-secret-key-" + "b" * 40,
        IDP_TEST_MODE="1",
        # The trace inspector (issue 19) writes rows per event: not part of what is measured.
        IDP_TRACE="0",
        IDP_ARGON2_TIME_COST="1",
        IDP_ARGON2_MEMORY_COST="8192",
        IDP_ARGON2_PARALLELISM="1",
        # Thousands of devices enroll from this one address: lift the per-address cap.
        IDP_DEVICE_ENROLL_RATE_LIMIT="1000000 per minute",
    )
    if "IDP_REDIS_URL" in SCALE_ENV:
        env["IDP_REDIS_URL"] = SCALE_ENV["IDP_REDIS_URL"]
    env.update(EXTRA_ENV)
    return env


def idp_command() -> str:
    return str(Path(sys.executable).parent / "idp")


def start_server(
    instance: Path, port: int, n_devices: int, *, workers: int = 1, base_port: int | None = None
) -> Server:
    env = idp_env(instance, base_port or port)
    log_path = instance / "idp.log"
    connections = max(4000, 3 * n_devices + 200)
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                idp_command(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--worker-connections",
                str(connections),
                "--no-migrate",
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log_path)
    _servers.append(server)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"idp serve exited early:\n{server.log_tail()}")
        try:
            if requests.get(server.base_url + "/healthz", timeout=1).status_code == 200:
                server.workers = children_of(proc.pid)
                if len(server.workers) >= workers:
                    return server
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"idp serve did not answer in time:\n{server.log_tail()}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def stop_server(server: Server) -> None:
    """SIGTERM the gunicorn master (it stops its worker), then SIGKILL what is left, by pid."""
    if server not in _servers:
        return
    _servers.remove(server)
    pids = [server.process.pid, *server.workers]
    if server.process.poll() is None:
        server.process.terminate()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        server.process.poll()
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    try:
        server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        log(f"warning: idp serve (pid {server.process.pid}) did not exit")


def stop_all_servers() -> None:
    for server in list(_servers):
        stop_server(server)


class Interrupted(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


def _on_signal(main_greenlet: Any, signum: int) -> None:
    """Runs in its own greenlet (gevent.signal_handler): unwind the main one, whose
    ``finally`` blocks stop the server and remove the instance folders."""
    main_greenlet.throw(Interrupted(signum))


# --------------------------------------------------------------------------- data set up


def prepare_instance(instance: Path, port: int, n_devices: int) -> list[tuple[str, str]]:
    """init-demo, then N users of realm jasmin and one enrollment offer each: (user, uri)."""
    env = idp_env(instance, port)
    subprocess.run(
        [idp_command(), "init-demo"], env=env, check=True, capture_output=True, timeout=300
    )
    from idp import create_app
    from idp.clock import now
    from idp.extensions import db
    from idp.push.enrollment import create_offer
    from idp.realms.store import get_realm
    from idp.security.passwords import current_hasher
    from idp.users.service import create_user

    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": env["IDP_DATABASE_URL"],
            "BASE_URL": env["IDP_BASE_URL"],
            "SECRET_KEY": env["IDP_SECRET_KEY"],
            "TEST_MODE": True,
            "TRACE": False,
            "BIND_HOST": "127.0.0.1",
        }
    )
    offers: list[tuple[str, str]] = []
    with app.app_context():
        realm = get_realm(REALM)
        if realm is None:
            raise RuntimeError(f"realm {REALM!r} missing after init-demo")
        preset = copy.deepcopy(realm.preset)
        preset["push"]["max_challenges"] = PUSH_CAP
        realm.preset = preset
        hasher = current_hasher()
        for i in range(n_devices):
            username = f"bench{i:05d}"
            user = create_user(realm, username, password=None, hasher=hasher, now=now())
            db.session.flush()
            offer = create_offer(user, base_url=env["IDP_BASE_URL"], now=now())
            offers.append((username, offer.uri))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return offers


# --------------------------------------------------------------------------- simulated device


class Device:
    """One authenticator: its key, its receipt, an SSE reader, an HTTP session for calls."""

    def __init__(self, username: str, uri: str) -> None:
        self.username = username
        self.uri = uri
        self.key = generate_private_key()
        self.receipt: EnrollmentReceipt | None = None
        self.http = LightSession()
        self.sse_http = LightSession()
        self.connected = gevent.event.Event()
        self.hint_event = gevent.event.Event()
        self.hints: dict[str, tuple[float, str]] = {}
        self.stream_error: str | None = None
        self.stream_ended = False
        self.reader: gevent.Greenlet | None = None
        self._sse_response: LightResponse | None = None
        # The instance this device's stream and decisions go to, and the one its challenges
        # are triggered on (another one when there are several: events cross instances).
        self.home: str | None = None
        self.trigger_base: str | None = None

    # -- addresses
    @property
    def enrolled(self) -> EnrollmentReceipt:
        if self.receipt is None:
            raise RuntimeError(f"{self.username} is not enrolled")
        return self.receipt

    @property
    def api_url(self) -> str:
        url = self.enrolled.api_url
        if self.home is None:
            return url
        return self.home + "/realms/" + url.split("/realms/", 1)[1]

    @property
    def realm_url(self) -> str:
        base = self.enrolled.api_url.split("/realms/", 1)[0]  # IDP_BASE_URL: the audience
        return realm_url(base, self.enrolled.realm)

    def _path(self, tail: str) -> str:
        return urllib.parse.urlsplit(self.api_url + tail).path

    # -- enrollment
    def enroll(self) -> None:
        now = utcnow()
        offer = EnrollmentOffer.from_uri(self.uri, now=now)
        jwk = public_jwk(self.key)
        request = EnrollmentRequest(
            code=offer.code,
            device_name=f"Banc {self.username}",
            platform="headless",
            app_version="0.1.0",
            public_jwk=jwk,
            jti=new_jti(),
            aud=offer.realm_url,
            iat=unix_time(now),
            exp=unix_time(now + timedelta(minutes=2)),
        )
        resp = self.http.post(
            offer.enrollment_url,
            json={"request": sign(request, self.key, jwk_thumbprint(jwk))},
            timeout=HTTP_TIMEOUT,
        )
        if resp.status_code != 201:
            raise RuntimeError(f"enroll {self.username}: {resp.status_code} {resp.text[:200]}")
        self.receipt = EnrollmentReceipt.model_validate(resp.json())

    # -- device-authenticated calls
    def _auth(self, method: str, path: str) -> dict[str, str]:
        receipt = self.enrolled
        now = utcnow()
        token = DeviceAuthToken(
            iss=receipt.device_id,
            sub=receipt.device_id,
            aud=self.realm_url,
            jti=new_jti(),
            htm=method,
            htu=path,
            iat=unix_time(now),
            exp=unix_time(now + timedelta(seconds=60)),
        )
        return {"Authorization": authorization_header(sign(token, self.key, receipt.device_id))}

    def verify(self, token: str) -> PushChallenge:
        """Verify a challenge from the stream against the JWKS pinned at enrollment."""
        receipt = self.enrolled
        return verify(
            token,
            keys=receipt.jwks,
            model=PushChallenge,
            audience=receipt.device_id,
            issuer=self.realm_url,
            now=utcnow(),
        )

    def pending(self) -> list[PushChallenge]:
        """GET pending and verify every token against the JWKS pinned at enrollment."""
        receipt = self.enrolled
        resp = self.http.get(
            self.api_url + "/pending",
            headers=self._auth("GET", self._path("/pending")),
            timeout=HTTP_TIMEOUT,
        )
        if resp.status_code != 200:
            raise RuntimeError(f"pending: {resp.status_code} {resp.text[:200]}")
        now = utcnow()
        return [
            verify(
                token,
                keys=receipt.jwks,
                model=PushChallenge,
                audience=receipt.device_id,
                issuer=self.realm_url,
                now=now,
            )
            for token in resp.json()["challenges"]
        ]

    def approve(self, challenge: PushChallenge, number: int | None) -> str:
        receipt = self.enrolled
        now = utcnow()
        decision = PushDecision(
            challenge_id=challenge.challenge_id,
            decision="approve",
            number=number,
            nonce=challenge.nonce,
            iss=receipt.device_id,
            aud=self.realm_url,
            iat=unix_time(now),
            exp=unix_time(now + timedelta(seconds=60)),
            jti=new_jti(),
        )
        # Protocol v2: the signed decision is its own credential (no Authorization token).
        resp = self.http.post(
            self.api_url + "/decisions",
            json={"decision": sign(decision, self.key, receipt.device_id)},
            timeout=HTTP_TIMEOUT,
        )
        if resp.status_code != 200:
            raise RuntimeError(f"decision: {resp.status_code} {resp.text[:200]}")
        return str(resp.json()["status"])

    # -- SSE
    def open_stream(self) -> None:
        self.reader = gevent.spawn(self._read_stream)

    def _read_stream(self) -> None:
        try:
            resp = self.sse_http.get(
                self.api_url + "/events",
                headers={**self._auth("GET", self._path("/events")), "Accept": "text/event-stream"},
                stream=True,
                timeout=SSE_TIMEOUT,
            )
            self._sse_response = resp
            if resp.status_code != 200:
                self.stream_error = f"events: {resp.status_code} {resp.text[:200]}"
                return
            event = data = None
            for raw in resp.iter_lines(chunk_size=None):
                t = time.perf_counter()
                line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                if line.startswith(": connected"):
                    self.connected.set()
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data = line[5:].strip()
                elif not line and data is not None:
                    if event in (None, "hint"):
                        hint = json.loads(data)
                        if hint.get("event") == "challenge":
                            self.hints[hint["challenge_id"]] = (t, hint["challenge"])
                            self.hint_event.set()
                    event = data = None
            self.stream_ended = True
        except (requests.RequestException, OSError, ValueError) as exc:
            if self.reader is not None:  # not closed on purpose
                self.stream_error = f"{type(exc).__name__}: {exc}"
        finally:
            self.connected.set()  # never leave a waiter hanging

    def wait_hint(self, challenge_id: str, timeout: float) -> tuple[float, str] | None:
        deadline = time.monotonic() + timeout
        while challenge_id not in self.hints:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.stream_error or self.stream_ended:
                return None
            self.hint_event.clear()
            self.hint_event.wait(timeout=remaining)
        return self.hints.pop(challenge_id)

    def close(self) -> None:
        reader, self.reader = self.reader, None
        if reader is not None:
            reader.kill(block=True, timeout=5)
        if self._sse_response is not None:
            with contextlib.suppress(OSError, RuntimeError):
                self._sse_response.close()
        self.http.close()
        self.sse_http.close()


# --------------------------------------------------------------------------- statistics


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values_s: Iterable[float]) -> dict[str, float | int | None]:
    ms = [v * 1000 for v in values_s]
    if not ms:
        return {"count": 0, "p50": None, "p95": None, "p99": None, "max": None, "min": None}
    return {
        "count": len(ms),
        "min": round(min(ms), 2),
        "p50": round(percentile(ms, 50), 2),
        "p95": round(percentile(ms, 95), 2),
        "p99": round(percentile(ms, 99), 2),
        "max": round(max(ms), 2),
    }


def machine_busy_seconds() -> float:
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- the run


@dataclass
class Sample:
    trigger: float  # POST sent -> returned
    delivery: float  # POST returned -> event read by the device
    delivery_from_send: float  # POST sent -> event read by the device
    pending: float  # verify the signed challenge from the event
    decision: float  # sign + POST decision
    status: float  # decision returned -> the waiting page's long-poll saw approved (may be < 0)
    round_trip: float  # POST returned -> the waiting page saw approved


def _await_approval(browser: LightSession, status_url: str) -> float:
    """The waiting page: long-polls until the status is approved; the time it saw it."""
    deadline = time.perf_counter() + HINT_TIMEOUT
    while True:
        resp = browser.get(status_url + "?wait=10", timeout=HTTP_TIMEOUT)
        seen = resp.json().get("status")
        if seen == "approved":
            return time.perf_counter()
        if seen != "pending" or time.perf_counter() > deadline:
            raise RuntimeError(f"the waiting page saw {seen!r}")


def round_trip(browser: LightSession, base: str, device: Device) -> Sample:
    base = device.trigger_base or base
    trigger_url = f"{base}/_dev/realms/{REALM}/users/{device.username}/challenges"
    t_send = time.perf_counter()
    resp = browser.post(trigger_url, json={}, timeout=HTTP_TIMEOUT)
    t_created = time.perf_counter()
    if resp.status_code != 201:
        raise RuntimeError(f"trigger: {resp.status_code} {resp.text[:200]}")
    created = resp.json()
    challenge_id, number = created["challenge_id"], created["number"]
    # The waiting page long-polls the status as soon as it shows the number (push-wait.js).
    status_url = f"{base}/_dev/challenges/{challenge_id}"
    waiting = gevent.spawn(_await_approval, browser, status_url)
    try:
        arrived = device.wait_hint(challenge_id, HINT_TIMEOUT)
        if arrived is None:
            raise RuntimeError(f"no challenge event for {challenge_id} within {HINT_TIMEOUT} s")
        t_hint, token = arrived
        t0 = time.perf_counter()  # challenge in, number on the browser's screen: the device acts
        challenge = device.verify(token)
        if challenge.challenge_id != challenge_id:
            raise RuntimeError(f"the event for {challenge_id} carried {challenge.challenge_id}")
        t1 = time.perf_counter()
        status = device.approve(challenge, number)
        if status != "approved":
            raise RuntimeError(f"decision answered {status!r}")
        t2 = time.perf_counter()
        t3 = waiting.get(timeout=HINT_TIMEOUT)
    finally:
        if not waiting.dead:  # a failed round trip: the page's request is abandoned
            waiting.kill()
            browser.close()
    return Sample(
        trigger=t_created - t_send,
        delivery=t_hint - t_created,
        delivery_from_send=t_hint - t_send,
        pending=t1 - t0,
        decision=t2 - t1,
        status=t3 - t2,
        round_trip=t3 - t_created,
    )


def run_challenges(
    base: str,
    devices: list[Device],
    count: int,
    concurrency: int,
    time_limit: float,
) -> tuple[list[Sample], list[str], float]:
    """``count`` round trips, ``concurrency`` in flight, each on a device nobody else uses now."""
    free: gevent.queue.Queue[Device] = gevent.queue.Queue()
    for device in devices:
        free.put(device)
    todo = iter(range(count))
    samples: list[Sample] = []
    errors: list[str] = []
    deadline = time.monotonic() + time_limit

    def worker() -> None:
        browser = LightSession()
        try:
            for _ in todo:
                if time.monotonic() > deadline:
                    return
                device = free.get()
                try:
                    samples.append(round_trip(browser, base, device))
                except (RuntimeError, requests.RequestException, ValueError, KeyError) as exc:
                    errors.append(f"{device.username}: {type(exc).__name__}: {exc}")
                finally:
                    free.put(device)
        finally:
            browser.close()

    start = time.perf_counter()
    gevent.joinall([gevent.spawn(worker) for _ in range(concurrency)])
    return samples, errors, time.perf_counter() - start


def run_pool(
    items: list[Device], action: Callable[[Device], None], size: int
) -> tuple[int, list[str]]:
    errors: list[str] = []
    pool = gevent.pool.Pool(size)

    def one(device: Device) -> None:
        try:
            action(device)
        except Exception as exc:  # counted and reported
            errors.append(f"{device.username}: {type(exc).__name__}: {exc}")

    for device in items:
        pool.spawn(one, device)
    pool.join()
    return len(items) - len(errors), errors


def enroll_all(server: Server, devices: list[Device]) -> dict[str, Any]:
    cpu0, t = server.cpu_seconds(), time.perf_counter()
    ok, errors = run_pool(devices, Device.enroll, ENROLL_POOL)
    elapsed = time.perf_counter() - t
    if errors:
        raise RuntimeError(f"{len(errors)} enrollments failed, e.g. {errors[0]}")
    return {
        "ok": ok,
        "seconds": round(elapsed, 2),
        "per_second": round(ok / elapsed, 1),
        "server_cpu_ms_each": round((server.cpu_seconds() - cpu0) * 1000 / max(ok, 1), 2),
    }


def open_streams(devices: list[Device]) -> tuple[list[Device], float]:
    """One SSE stream per device; fail fast when the IdP sends nothing on a first stream."""
    for device in devices:  # its kept-alive enrollment connection: one socket per device less
        device.http.close()
    t = time.perf_counter()
    first = devices[0]
    first.open_stream()
    if not first.connected.wait(FIRST_STREAM_TIMEOUT) or not first.connected.is_set():
        raise RuntimeError(
            f"GET .../events sent no byte within {FIRST_STREAM_TIMEOUT:.0f} s: the IdP does "
            "not stream SSE (is the response buffered before it is sent? see "
            "docs/performance.md)"
        )
    if first.stream_error:
        raise RuntimeError(f"first SSE stream failed: {first.stream_error}")
    opener = gevent.pool.Pool(STREAM_POOL)
    for device in devices[1:]:
        opener.spawn(lambda d: (d.open_stream(), d.connected.wait(STREAMS_TIMEOUT)), device)
    opener.join(timeout=STREAMS_TIMEOUT)
    opener.kill(block=False)
    broken = [d for d in devices if d.stream_error or not d.connected.is_set()]
    return broken, time.perf_counter() - t


def start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    py_spy = Path(sys.executable).parent / "py-spy"
    if not py_spy.exists():
        log("--profile: py-spy is not installed in the venv (pip install py-spy); skipped")
        return None
    # A flame graph (.svg) or collapsed stacks (.txt, for scripts/profile_summary.py).
    fmt = ["--format", "raw"] if out.suffix == ".txt" else []
    proc = subprocess.Popen(
        [str(py_spy), "record", "--pid", str(pid), "--rate", "250", *fmt, "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    gevent.sleep(1)  # let it attach
    return proc


def stop_profiler(proc: subprocess.Popen[bytes] | None, out: Path) -> None:
    if proc is None:
        return
    proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    log(f"profile of the IdP worker: {out}")


def measure(
    server: Server,
    *,
    devices: list[Device],
    count: int,
    concurrency: int,
    time_limit: float,
    seed: int,
) -> dict[str, Any]:
    order = devices[:]
    random.Random(seed).shuffle(order)
    cpu0, ccpu0, busy0 = server.cpu_seconds(), client_cpu_seconds(), machine_busy_seconds()
    samples, errors, wall = run_challenges(server.base_url, order, count, concurrency, time_limit)
    server_cpu = server.cpu_seconds() - cpu0
    client_cpu = client_cpu_seconds() - ccpu0
    other_cpu = max(0.0, machine_busy_seconds() - busy0 - server_cpu - client_cpu)
    done = len(samples)
    return {
        "concurrency": concurrency,
        "challenges": done,
        "errors": len(errors),
        "error_examples": errors[:5],
        "wall_s": round(wall, 2),
        "throughput_per_s": round(done / wall, 1) if wall else None,
        "latency_ms": {
            "round_trip": summary(s.round_trip for s in samples),
            "delivery": summary(s.delivery for s in samples),
            "delivery_from_send": summary(s.delivery_from_send for s in samples),
            "trigger_post": summary(s.trigger for s in samples),
            "pending_and_verify": summary(s.pending for s in samples),
            "decision_post": summary(s.decision for s in samples),
            "status_get": summary(s.status for s in samples),
        },
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_ms_per_round_trip": round(server_cpu * 1000 / max(done, 1), 2),
        "client_cpu_s": round(client_cpu, 2),
        "client_cpu_ms_per_round_trip": round(client_cpu * 1000 / max(done, 1), 2),
        # Everything else on the machine meanwhile (other processes, the kernel's softirqs):
        # a busy machine makes the figures worse, so the report shows it.
        "other_cpu_s": round(other_cpu, 2),
        "other_cpu_pct": round(100 * other_cpu / (wall * (os.cpu_count() or 1)), 1)
        if wall
        else None,
    }


def layout(args: argparse.Namespace) -> str:
    store = "PostgreSQL + Redis" if SCALE_ENV else "SQLite, in-process broker"
    lane = ", every call through Flask (--no-fast-lane)" if args.no_fast_lane else ""
    return f"{args.instances} idp serve x {args.workers} gunicorn+gevent worker(s), {store}{lane}"


def start_fleet(instance: Path, port: int, n: int, args: argparse.Namespace) -> list[Server]:
    """The first instance on ``port`` (its URL is IDP_BASE_URL for all), the others beside."""
    log(f"N={n}: starting {layout(args)}")
    started = [start_server(instance, port, n, workers=args.workers)]
    started += [
        start_server(instance, free_port(), n, workers=args.workers, base_port=port)
        for _ in range(args.instances - 1)
    ]
    return started


def scaled_services(args: argparse.Namespace, stack: contextlib.ExitStack) -> None:
    """PostgreSQL and Redis on loopback when the layout has several processes."""
    args.postgres = None
    if args.workers == 1 and args.instances == 1 and not args.postgres_redis:
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.support.postgres import PostgresServer
    from tests.support.redis import RedisServer

    args.postgres = stack.enter_context(PostgresServer())
    SCALE_ENV["IDP_REDIS_URL"] = stack.enter_context(RedisServer()).url


def spread(devices: list[Device], started: list[Server]) -> None:
    """Device i streams from instance i and is triggered through instance i+1."""
    if len(started) > 1:
        for i, device in enumerate(devices):
            device.home = started[i % len(started)].base_url
            device.trigger_base = started[(i + 1) % len(started)].base_url


def profile_path(args: argparse.Namespace, n: int) -> Path | None:
    suffix = "txt" if args.profile_raw else "svg"
    return (args.profile / f"idp-worker-n{n}.{suffix}") if args.profile else None


def bench_one(n: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    instance, port = workdir / f"n{n}", free_port()
    instance.mkdir(parents=True)
    result: dict[str, Any] = {"devices": n}

    if args.postgres is not None:
        SCALE_ENV["IDP_DATABASE_URL"] = args.postgres.create_database(f"bench_n{n}")
    log(f"N={n}: creating {n} users and offers")
    t = time.perf_counter()
    offers = prepare_instance(instance, port, n)
    result.update(setup_s=round(time.perf_counter() - t, 2), layout=layout(args))
    started = start_fleet(instance, port, n, args)
    server: Server | Fleet = started[0] if len(started) == 1 else Fleet(started)
    devices = [Device(username, uri) for username, uri in offers]
    try:
        mem: dict[str, Any] = {"started": server.memory()}

        log(f"N={n}: enrolling {n} devices ({ENROLL_POOL} at a time)")
        result["enroll"] = enroll_all(server, devices)
        mem["enrolled"] = server.memory()

        spread(devices, started)
        log(f"N={n}: opening {n} SSE streams")
        broken, elapsed = open_streams(devices)
        result["streams"] = {
            "open": n - len(broken),
            "seconds": round(elapsed, 2),
            "errors": [f"{d.username}: {d.stream_error or 'no data'}" for d in broken[:5]],
        }
        if broken:
            raise RuntimeError(f"{len(broken)} streams failed, e.g. {result['streams']['errors']}")
        gevent.sleep(3)  # let the worker settle with every stream idle
        mem["idle_streams"] = server.memory()
        result["rss_per_stream_kib"] = round(
            (mem["idle_streams"]["worker_rss_mib"] - mem["enrolled"]["worker_rss_mib"]) * 1024 / n,
            1,
        )

        log(f"N={n}: warm-up ({WARMUP} round trips)")
        run_challenges(server.base_url, devices, WARMUP, 1, 30)

        runs = []
        if args.sequential:
            log(f"N={n}: {args.sequential} round trips, 1 in flight")
            runs.append(
                measure(
                    server,
                    devices=devices,
                    count=args.sequential,
                    concurrency=1,
                    time_limit=args.time_limit,
                    seed=n,
                )
            )
        log(f"N={n}: {args.challenges} round trips, {args.concurrency} in flight")
        profile = profile_path(args, n)
        profiler = start_profiler(server.workers[0], profile) if profile else None
        try:
            runs.append(
                measure(
                    server,
                    devices=devices,
                    count=args.challenges,
                    concurrency=args.concurrency,
                    time_limit=args.time_limit,
                    seed=n + 1,
                )
            )
        finally:
            if profile:
                stop_profiler(profiler, profile)
        result["runs"] = runs
        mem["after_runs"] = server.memory()
        result["memory_mib"] = {
            phase: {key: round(value, 1) for key, value in figures.items()}
            for phase, figures in mem.items()
        }
        result["server_cpu_total_s"] = round(server.cpu_seconds(), 2)
        result["streams_still_open"] = sum(
            1 for d in devices if not (d.stream_error or d.stream_ended)
        )
        return result
    finally:
        for device in devices:
            device.close()
        for one in started:
            stop_server(one)


# --------------------------------------------------------------------------- report

ROWS = [
    ("round_trip", "round trip: created -> status approved"),
    ("delivery", "delivery: created -> SSE event at device"),
    ("delivery_from_send", "  (trigger POST sent -> SSE event)"),
    ("trigger_post", "  trigger POST (creates the challenge)"),
    ("pending_and_verify", "  verify the JWS from the event"),
    ("decision_post", "  sign + POST decision"),
    ("status_get", "  decision returned -> page sees approved"),
]


def fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:.0f}"
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def print_report(results: list[dict[str, Any]]) -> None:
    print()
    print(
        f"Push benchmark: {os.cpu_count()} CPU cores shared by the IdP "
        f"({results[0]['layout'] if results else '-'}) and the simulated devices"
    )
    for r in results:
        n, runs = r["devices"], r["runs"]
        print()
        print(f"N = {n} devices, each holding an SSE stream")
        head = "".join(
            f" | {run['concurrency']} in flight ({run['challenges']} challenges)".ljust(30)
            for run in runs
        )
        print(f"  {'':<41}{head}")
        cols = "".join(f" | {'p50':>6}{'p95':>7}{'p99':>7}{'max':>7}" for _ in runs)
        print(f"  {'latency, ms':<41}{cols}")
        for key, label in ROWS:
            cells = ""
            for run in runs:
                s = run["latency_ms"][key]
                cells += (
                    f" | {fmt(s['p50']):>6}{fmt(s['p95']):>7}{fmt(s['p99']):>7}{fmt(s['max']):>7}"
                )
            print(f"  {label:<41}{cells}")
        for label, key, unit in [
            ("throughput", "throughput_per_s", " round trips/s"),
            ("IdP worker CPU per round trip", "server_cpu_ms_per_round_trip", " ms"),
            ("client CPU per round trip", "client_cpu_ms_per_round_trip", " ms"),
            ("other CPU use on the machine", "other_cpu_pct", " % of all cores"),
            ("errors", "errors", ""),
        ]:
            cells = "".join(f" | {fmt(run[key]) + unit:<27}" for run in runs)
            print(f"  {label:<41}{cells}")
        mem = r["memory_mib"]
        print(
            f"  IdP worker RSS, MiB: {fmt(mem['started']['worker_rss_mib'])} started, "
            f"{fmt(mem['enrolled']['worker_rss_mib'])} after enrollment, "
            f"{fmt(mem['idle_streams']['worker_rss_mib'])} with {n} idle streams "
            f"(~{fmt(r['rss_per_stream_kib'])} KiB each), "
            f"{fmt(mem['after_runs']['worker_rss_mib'])} after the runs, "
            f"peak {fmt(mem['after_runs']['worker_peak_mib'])}; gunicorn master "
            f"{fmt(mem['after_runs']['master_rss_mib'])}; master + worker PSS with the idle "
            f"streams {fmt(mem['idle_streams']['total_pss_mib'])}"
        )
        e = r["enroll"]
        print(
            f"  enrollment: {e['ok']} devices in {fmt(e['seconds'])} s "
            f"({fmt(e['per_second'])}/s, {fmt(e['server_cpu_ms_each'])} ms IdP CPU each); "
            f"{n} streams opened in {fmt(r['streams']['seconds'])} s, "
            f"{r['streams_still_open']} still open at the end; "
            f"IdP worker CPU in all {fmt(r['server_cpu_total_s'])} s"
        )
        for run in runs:
            for example in run["error_examples"]:
                print(f"  error ({run['concurrency']} in flight): {example}")
    targets = [r for r in results if r["devices"] == 1000]
    print()
    print("Targets of issue 4 (2 cores):")
    if not targets:
        print("  not evaluated: they are stated for N = 1000")
    for r in targets:
        for run in r["runs"]:
            p50 = run["latency_ms"]["round_trip"]["p50"]
            print(
                f"  round-trip p50 < 20 ms at N = 1000, {run['concurrency']} in flight: "
                f"{fmt(p50)} ms -> {verdict(p50, 20)}"
            )
        idle = r["memory_mib"]["idle_streams"]
        mb = idle["worker_rss_mib"] * MB_PER_MIB
        print(f"  1000 held streams < 200 MB RSS (worker): {mb:.0f} MB -> {verdict(mb, 200)}")
        total = idle["total_pss_mib"] * MB_PER_MIB
        print(f"    (master + worker, PSS: {total:.0f} MB -> {verdict(total, 200)})")


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if any(n < 1 or n > 20000 for n in args.devices):
        parser.error("--devices: 1 to 20000")
    if not 1 <= args.workers <= 8 or not 1 <= args.instances <= 4:
        parser.error("--workers: 1 to 8, --instances: 1 to 4")
    if not 1 <= args.challenges <= 10000 or not 0 <= args.sequential <= 10000:
        parser.error("--challenges: 1 to 10000, --sequential: 0 to 10000")
    if not 1 <= args.concurrency <= 64 or not 1 <= args.time_limit <= 1800:
        parser.error("--concurrency: 1 to 64, --time-limit: 1 to 1800")
    for n in args.devices:
        if (args.challenges + args.sequential + WARMUP) / n > PUSH_CAP - 1:
            parser.error(f"N={n}: more than {PUSH_CAP - 1} challenges per user (the realm cap)")
        if args.concurrency > n:
            parser.error(f"N={n}: --concurrency must not exceed the number of devices")
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "not measured"
    return "met" if value < limit else "NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Push benchmark: N devices holding SSE streams against a real idp serve."
    )
    parser.add_argument("--devices", type=int, nargs="+", default=[100, 1000], metavar="N")
    parser.add_argument(
        "--challenges", type=int, default=300, metavar="K", help="round trips of the loaded run"
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, metavar="C", help="in flight in the loaded run"
    )
    parser.add_argument(
        "--sequential",
        type=int,
        default=100,
        metavar="K",
        help="round trips one at a time before the loaded run (0: none)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=120, help="seconds at most for one run of round trips"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record the IdP worker with py-spy during the loaded run (flame graph SVG)",
    )
    parser.add_argument(
        "--profile-raw",
        action="store_true",
        help="with --profile: collapsed stacks (.txt) instead of a flame graph",
    )
    parser.add_argument("--keep", action="store_true", help="keep the instance folders")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="gunicorn workers per idp serve (>1: PostgreSQL+Redis)",
    )
    parser.add_argument(
        "--instances", type=int, default=1, help="idp serve instances (>1: PostgreSQL + Redis)"
    )
    parser.add_argument(
        "--postgres-redis",
        action="store_true",
        help="PostgreSQL + Redis even with one worker (the cost the scaled layout adds)",
    )
    parser.add_argument(
        "--no-fast-lane",
        action="store_true",
        help="every call through Flask (IDP_FAST_LANE=0): the baseline of the fast lane",
    )
    args = parser.parse_args(argv)
    check_args(parser, args)
    if args.no_fast_lane:
        EXTRA_ENV["IDP_FAST_LANE"] = "0"

    fds = raise_fd_limit()
    need = 3 * max(args.devices) + 200
    if fds < need:
        log(f"warning: RLIMIT_NOFILE is {fds}, {need} file descriptors may be needed")
    atexit.register(stop_all_servers)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        gevent.signal_handler(signum, _on_signal, gevent.getcurrent(), signum)

    workdir = Path(tempfile.mkdtemp(prefix="bench_push-"))
    results = []
    scaled = contextlib.ExitStack()
    try:
        scaled_services(args, scaled)
        for n in args.devices:
            results.append(bench_one(n, args, workdir))
    except RuntimeError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    except Interrupted as exc:
        log(f"{exc}: stopped")
        return 128 + exc.signum
    finally:
        stop_all_servers()
        scaled.close()
        if args.keep:
            log(f"instances kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        doc = {
            "cpu_cores": os.cpu_count(),
            "challenges": args.challenges,
            "concurrency": args.concurrency,
            "sequential": args.sequential,
            "results": results,
        }
        print(json.dumps(doc, indent=2))
    else:
        print_report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
