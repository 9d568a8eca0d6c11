"""TOTP benchmark: the IdP's sign-in code page against privacyIDEA 3.14's ``/validate/check``.

The IdP side is its real second-factor HTTP path, ``POST /realms/jasmin/login/code`` on
``idp serve`` (gunicorn + gevent, ``--idp-workers`` workers, 2 by default as privacyIDEA's
two, on one SQLite file; with more than one, a throw-away Redis for what the workers share):
session cookie and CSRF check, the pending sign-in, the lock check, the RFC 6238 comparison,
the single-use conditional UPDATE, the audit row, the new session, the commit. Each request
carries a browser session that already passed the password (cookies signed here with the
server's secret, before timing), so the password's argon2 is not in the figure: only the code
is. Rate limits are off (they would cap a benchmark from one address at 30 codes per minute).

Replay protection lets a device succeed at most once per time step, so the benchmark uses
``--users`` accounts with one device each and spends one code (the current step) per device.

The privacyIDEA side (``--no-privacyidea`` to skip) is 3.14 installed in its own venv by
``tests/support/privacyidea.py``: SQLite, gunicorn with 2 sync workers, a flat-file realm,
``otppin=none`` (TOTP only), one TOTP token per client thread sending step N, N+1, ... (its
window follows the token), response signing and signed audit on as shipped.

Matched on both sides: one HTTP request per check, keep-alive connections, one client thread
per simulated client, a fresh TOTP code computed by the client inside the timing, replay
protection and an audit row on the server. For each client count both are warmed up
(unmeasured), then measured in interleaved blocks of ``--seconds`` (IdP, privacyIDEA, IdP,
privacyIDEA, ...) so that both see the same machine load; checks/s are pooled over the blocks,
and the ratio is printed pooled and per block pair (its range says how noisy the machine was).
Client and servers share the machine. Every request must be accepted: a rejected one or an
error (no answer) is counted, reported, and makes the exit status 1.

    .venv/bin/python scripts/bench_totp.py [--seconds 5] [--blocks 3] [--clients 1 4]
        [--users 20000] [--idp-workers 2] [--no-privacyidea] [--json]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

# The same small keep-alive client on both sides (scripts/bench_http.py): cheaper than
# ``requests``, whose Python cost shares the two cores with the servers being measured.
from bench_http import LightSession  # noqa: E402

REALM = "jasmin"
PERIOD = 30
SECRET_KEY = "bench-totp-secret-key-" + "t" * 40


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def idp_env(instance: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(
        IDP_INSTANCE_PATH=str(instance),
        IDP_DATABASE_URL=f"sqlite:///{instance / 'idp.sqlite3'}",
        IDP_BASE_URL=f"http://127.0.0.1:{port}",
        IDP_SECRET_KEY=SECRET_KEY,
        IDP_RATELIMIT_ENABLED="false",
        IDP_ARGON2_TIME_COST="1",
        IDP_ARGON2_MEMORY_COST="8192",
        IDP_ARGON2_PARALLELISM="1",
    )
    return env


def idp_command() -> str:
    return str(Path(sys.executable).parent / "idp")


# -- the IdP side ---------------------------------------------------------------------------------


@dataclass
class Account:
    user_id: int
    generation: int
    secret: str


@dataclass
class Idp:
    url: str
    proc: subprocess.Popen[bytes]


def prepare_idp(instance: Path, port: int, n_users: int) -> tuple[list[Account], Any]:
    env = idp_env(instance, port)
    subprocess.run([idp_command(), "init-demo"], env=env, check=True, capture_output=True)
    from idp import create_app
    from idp.clock import now
    from idp.extensions import db
    from idp.mfa.totp import TotpParams, new_secret
    from idp.models import Device
    from idp.realms.store import get_realm
    from idp.users.service import create_user

    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": env["IDP_DATABASE_URL"],
            "BASE_URL": env["IDP_BASE_URL"],
            "SECRET_KEY": SECRET_KEY,
        }
    )
    accounts: list[Account] = []
    with app.app_context():
        realm = get_realm(REALM)
        if realm is None:
            raise RuntimeError("realm jasmin missing after init-demo")
        params = TotpParams().as_dict()
        for i in range(n_users):
            user = create_user(realm, f"totp{i:05d}", password=None, hasher=None, now=now())  # type: ignore[arg-type]
            db.session.flush()
            secret = new_secret()
            db.session.add(
                Device(
                    id=f"bench-{i:05d}",
                    user_id=user.id,
                    name="bench",
                    platform="bench",
                    app_version="0",
                    public_jwk={"kty": "EC"},
                    jwk_thumbprint=f"bench-{i:05d}",
                    enrolled_at=now(),
                    totp_secret=secret,
                    totp_parameters=params,
                )
            )
            accounts.append(Account(user.id, user.session_generation, secret))
        db.session.commit()
        db.session.remove()
    return accounts, app


def cookie_maker(app: Any) -> Callable[[Account], tuple[str, str]]:
    """A session that passed the password for ``account``: (cookie value, CSRF form token)."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from idp.mfa.views import PENDING_KEY

    serializer = app.session_interface.get_signing_serializer(app)

    def make(account: Account) -> tuple[str, str]:
        with app.test_request_context("/"):
            token = generate_csrf()
            session[PENDING_KEY] = {
                "uid": account.user_id,
                "gen": account.generation,
                "realm": REALM,
                "challenge": None,
                "next": f"/realms/{REALM}/profile",
            }
            return serializer.dumps(dict(session)), token

    return make


def start_idp(
    instance: Path, port: int, *, workers: int = 1, redis_url: str | None = None
) -> subprocess.Popen[bytes]:
    env = idp_env(instance, port)
    if redis_url:
        env["IDP_REDIS_URL"] = redis_url
    log = (instance / "idp.log").open("wb")
    proc = subprocess.Popen(
        [
            idp_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-migrate",
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((instance / "idp.log").read_text())
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1),
        ):
            return proc
        time.sleep(0.2)
    raise RuntimeError("idp serve did not answer")


def totp(secret: str, step: int) -> str:
    import pyotp

    return pyotp.HOTP(secret).at(step)


class AccountPool:
    """Hands out (account, step, cookie, token): one code per device, for the current step
    (two codes of one device in flight at once would race, and the later step would rightly
    make the earlier one a replay). Cookies are made ahead, outside the timed requests."""

    def __init__(self, accounts: list[Account], make: Callable[[Account], tuple[str, str]]) -> None:
        self.accounts = accounts
        self.make = make
        self.index = 0
        self.lock = threading.Lock()
        self.cookies: dict[int, tuple[str, str]] = {}

    def prefill(self) -> None:
        for account in self.accounts:
            self.cookies[account.user_id] = self.make(account)

    def take(self) -> tuple[Account, int, str, str] | None:
        with self.lock:
            if self.index >= len(self.accounts):
                return None
            account = self.accounts[self.index]
            self.index += 1
        cookie, token = self.cookies[account.user_id]
        return account, int(time.time()) // PERIOD, cookie, token


def idp_request(idp: Idp, pool: AccountPool, session: LightSession) -> bool | None:
    taken = pool.take()
    if taken is None:
        return None
    account, step, cookie, token = taken
    # Each request is another browser, halfway through its sign-in (no cookie jar: the light
    # client keeps none, and it follows no redirect).
    resp = session.post(
        f"{idp.url}/realms/{REALM}/login/code",
        data={"csrf_token": token, "code": totp(account.secret, step)},
        headers={"Cookie": f"idp_session={cookie}"},
        timeout=30,
    )
    ok = resp.status_code == 302 and resp.headers.get("location", "").endswith("/profile")
    if not ok:
        errors = re.findall(r'<ul class="errors"[^>]*>\s*<li>([^<]*)</li>', resp.text)
        print(f"IdP refused step {step}: HTTP {resp.status_code} {errors}", file=sys.stderr)
    return ok


# -- the privacyIDEA side -------------------------------------------------------------------------


@dataclass
class PiToken:
    user: str
    seed_hex: str
    step: int


@dataclass
class Pi:
    url: str
    tokens: list[PiToken]


def pi_request(pi: Pi, token: PiToken, session: LightSession) -> bool:
    seed = bytes.fromhex(token.seed_hex)
    secret = base64.b32encode(seed).decode().rstrip("=")
    code = totp(secret, token.step)
    token.step += 1
    resp = session.post(
        f"{pi.url}/validate/check",
        data={"user": token.user, "pass": code, "realm": "peerrealm"},
        timeout=30,
    )
    body = resp.json()
    return bool(body.get("result", {}).get("authentication") == "ACCEPT")


# -- measuring ------------------------------------------------------------------------------------


@dataclass
class Block:
    """One system, one client count, one stretch of ``--seconds``."""

    system: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    rejected: int = 0  # answered, but not an acceptance
    errors: int = 0  # no answer (connection error, timeout)
    exhausted: bool = False

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def run_block(
    system: str, clients: int, seconds: float, work: Callable[[int, LightSession], bool | None]
) -> Block:
    result = Block(system, clients)
    lock = threading.Lock()
    start = time.monotonic()
    stop_at = start + seconds

    def client(index: int) -> None:
        session = LightSession()
        try:
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                try:
                    ok = work(index, session)
                except (requests.RequestException, ValueError) as exc:
                    print(f"{system}: {exc!r}", file=sys.stderr)
                    with lock:
                        result.errors += 1
                    continue
                elapsed = time.perf_counter() - t0
                with lock:
                    if ok is None:
                        result.exhausted = True
                        return
                    if ok:
                        result.latencies.append(elapsed)
                    else:
                        result.rejected += 1
        finally:
            session.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - start
    return result


def start_privacyidea(stack: contextlib.ExitStack, clients: int) -> Pi:
    """privacyIDEA 3.14 (tests/support/privacyidea.py), TOTP only, a token per client."""
    print("starting privacyIDEA 3.14 ...", file=sys.stderr)
    from tests.support.privacyidea import privacyidea_server

    server = stack.enter_context(privacyidea_server(workers=2))
    users = [f"bench{i}" for i in range(clients)]
    server.create_realm(users)
    server.client.set_otppin_none()
    tokens = []
    current = int(time.time()) // PERIOD
    for user in users:
        seed = os.urandom(20).hex()
        server.client.enroll_totp(user, seed_hex=seed)
        tokens.append(PiToken(user, seed, current))
    return Pi(server.base_url, tokens)


def client_costs(pool: AccountPool) -> dict[str, float]:
    """What the benchmark's client spends per check, measured apart (µs)."""
    secret = pool.accounts[0].secret
    n = 2000
    t0 = time.perf_counter()
    for step in range(n):
        totp(secret, step)
    code_us = (time.perf_counter() - t0) / n * 1e6
    t0 = time.perf_counter()
    for account in pool.accounts[:200]:
        pool.make(account)
    cookie_us = (time.perf_counter() - t0) / min(200, len(pool.accounts)) * 1e6
    return {"totp_code_us": round(code_us, 1), "idp_cookie_us": round(cookie_us, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one block")
    parser.add_argument("--blocks", type=int, default=3, help="A B blocks per client count")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--users",
        type=int,
        default=20000,
        help="accounts (one code each; up to about 800 a second are spent)",
    )
    parser.add_argument(
        "--idp-workers",
        type=int,
        default=2,
        help="gunicorn workers of idp serve (as privacyIDEA's 2; more than 1 starts a Redis)",
    )
    parser.add_argument("--no-privacyidea", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    instance = Path(tempfile.mkdtemp(prefix="bench-totp-"))
    port = free_port()
    stack = contextlib.ExitStack()
    blocks: list[Block] = []
    try:
        print(f"preparing {args.users} IdP accounts ...", file=sys.stderr)
        accounts, app = prepare_idp(instance, port, args.users)
        redis_url = None
        if args.idp_workers > 1:  # several workers share events and replay guards in Redis
            from tests.support.redis import RedisServer

            redis_url = stack.enter_context(RedisServer()).url
        proc = start_idp(instance, port, workers=args.idp_workers, redis_url=redis_url)
        stack.callback(lambda: os.killpg(proc.pid, signal.SIGTERM))
        idp = Idp(f"http://127.0.0.1:{port}", proc)
        pool = AccountPool(accounts, cookie_maker(app))
        print("signing session cookies ...", file=sys.stderr)
        pool.prefill()
        costs = client_costs(pool)
        pi = None if args.no_privacyidea else start_privacyidea(stack, max(args.clients))

        def on_idp(_i: int, s: LightSession) -> bool | None:
            return idp_request(idp, pool, s)

        def on_pi(i: int, s: LightSession) -> bool | None:
            assert pi is not None
            return pi_request(pi, pi.tokens[i], s)

        systems = [("idp", on_idp)] + ([("privacyidea", on_pi)] if pi is not None else [])
        for clients in args.clients:
            # Warm both at this client count (connections, caches, pools), unmeasured.
            for _name, work in systems:
                run_block("warm-up", clients, 1.5, work)
            # Interleaved: A B A B ..., so that both see the same machine load.
            for b in range(args.blocks):
                for name, work in systems:
                    print(f"{name}, {clients} client(s), block {b + 1} ...", file=sys.stderr)
                    blocks.append(run_block(name, clients, args.seconds, work))
    finally:
        stack.close()
        shutil.rmtree(instance, ignore_errors=True)

    report = report_of(blocks, costs)
    report["idp_workers"] = args.idp_workers
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    failed = any(b.rejected or b.errors for b in blocks)
    return 1 if failed else 0


def _pct(ordered: list[float], p: float) -> float:
    if not ordered:
        return 0.0
    return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)


def report_of(blocks: list[Block], costs: dict[str, float]) -> dict[str, Any]:
    rows = []
    ratios: dict[str, Any] = {}
    for clients in sorted({b.clients for b in blocks}):
        by_system: dict[str, list[Block]] = {}
        for b in blocks:
            if b.clients == clients:
                by_system.setdefault(b.system, []).append(b)
        pooled = {}
        for system, mine in by_system.items():
            latencies = sorted(x for b in mine for x in b.latencies)
            seconds = sum(b.seconds for b in mine)
            pooled[system] = len(latencies) / seconds if seconds else 0.0
            rows.append(
                {
                    "system": system,
                    "clients": clients,
                    "accepted": len(latencies),
                    "rejected": sum(b.rejected for b in mine),
                    "errors": sum(b.errors for b in mine),
                    "seconds": round(seconds, 1),
                    "checks_per_s": round(pooled[system], 1),
                    "per_block": [round(b.throughput, 1) for b in mine],
                    "p50_ms": _pct(latencies, 0.50),
                    "p95_ms": _pct(latencies, 0.95),
                    "p99_ms": _pct(latencies, 0.99),
                    "ran_out_of_accounts": any(b.exhausted for b in mine),
                }
            )
        idp, pi = by_system.get("idp"), by_system.get("privacyidea")
        if idp and pi and pooled["privacyidea"]:
            pairs = [
                a.throughput / b.throughput for a, b in zip(idp, pi, strict=False) if b.throughput
            ]
            ratios[str(clients)] = {
                "pooled": round(pooled["idp"] / pooled["privacyidea"], 1),
                "per_pair_min": round(min(pairs), 1) if pairs else None,
                "per_pair_max": round(max(pairs), 1) if pairs else None,
            }
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "client_costs": costs,
        "systems": rows,
        "ratio_idp_over_privacyidea": ratios,
    }


def print_report(report: dict[str, Any]) -> None:
    print(
        f"TOTP verification, {report['when']}, {report['cpus']} CPU(s), "
        f"load average {report['load_average']}; idp serve: {report['idp_workers']} "
        "gunicorn+gevent worker(s), SQLite; privacyIDEA: 2 sync workers, SQLite"
    )
    header = f"{'system':<12} {'clients':>7} {'accepted':>9} {'rejected':>8} {'errors':>6} "
    print(header + f"{'checks/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  per block")
    for row in report["systems"]:
        print(
            f"{row['system']:<12} {row['clients']:>7} {row['accepted']:>9} {row['rejected']:>8} "
            f"{row['errors']:>6} {row['checks_per_s']:>9.1f} {row['p50_ms']:>8} "
            f"{row['p95_ms']:>8} {row['p99_ms']:>8}  {row['per_block']}"
            + ("  (ran out of accounts)" if row["ran_out_of_accounts"] else "")
        )
    for clients, ratio in report["ratio_idp_over_privacyidea"].items():
        print(
            f"IdP / privacyIDEA at {clients} client(s): {ratio['pooled']}x "
            f"(block pairs {ratio['per_pair_min']}x to {ratio['per_pair_max']}x)"
        )
    costs = report["client_costs"]
    print(
        f"client side, per check: TOTP code {costs['totp_code_us']} µs (both systems, timed); "
        f"IdP browser cookie {costs['idp_cookie_us']} µs (signed ahead, not timed)"
    )


if __name__ == "__main__":
    sys.exit(main())
