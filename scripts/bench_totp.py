"""TOTP benchmark: the IdP's sign-in code page against privacyIDEA 3.14's ``/validate/check``.

The IdP side is its real second-factor HTTP path, ``POST /realms/jasmin/login/code`` on
``idp serve`` (gunicorn + gevent, one worker, SQLite): session cookie and CSRF check, the
pending sign-in, the lock check, the RFC 6238 comparison, the single-use conditional UPDATE,
the audit row, the new session, the commit. Each request carries a browser session that
already passed the password (cookies signed here with the server's secret, before timing),
so the password's argon2 is not in the figure: only the code is. Rate limits are off (they
would cap a benchmark from one address at 30 codes per minute).

Replay protection lets a device succeed at most once per time step, so the benchmark uses
``--users`` accounts with one device each and spends one code (the current step) per device.

The privacyIDEA side (``--no-privacyidea`` to skip) is 3.14 installed in its own venv by
``tests/support/privacyidea.py``: SQLite, gunicorn with 2 sync workers, a flat-file realm,
``otppin=none`` (TOTP only), one TOTP token per client thread sending step N, N+1, ... (its
window follows the token), response signing and signed audit on as shipped.

Rounds alternate (IdP 1 client, privacyIDEA 1 client, IdP 4 clients, privacyIDEA 4 clients)
so that both see the same machine load; each round lasts ``--seconds``. Client and servers
share the machine. Every request must be accepted; a rejected one is counted and reported.

    .venv/bin/python scripts/bench_totp.py [--seconds 10] [--clients 1 4] [--users 3000]
        [--rounds 1] [--no-privacyidea] [--json]
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
import statistics
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


def start_idp(instance: Path, port: int) -> subprocess.Popen[bytes]:
    env = idp_env(instance, port)
    log = (instance / "idp.log").open("wb")
    proc = subprocess.Popen(
        [idp_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"],
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


def idp_request(idp: Idp, pool: AccountPool, session: requests.Session) -> bool | None:
    taken = pool.take()
    if taken is None:
        return None
    account, step, cookie, token = taken
    session.cookies.clear()  # each request is another browser, halfway through its sign-in
    resp = session.post(
        f"{idp.url}/realms/{REALM}/login/code",
        data={"csrf_token": token, "code": totp(account.secret, step)},
        headers={"Cookie": f"idp_session={cookie}"},
        allow_redirects=False,
        timeout=30,
    )
    ok = resp.status_code == 302 and resp.headers["Location"].endswith("/profile")
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


def pi_request(pi: Pi, token: PiToken, session: requests.Session) -> bool:
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
class Round:
    system: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    rejected: int = 0
    exhausted: bool = False

    @property
    def accepted(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies) or [0.0]

        def pct(p: float) -> float:
            return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

        return {
            "system": self.system,
            "clients": self.clients,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 2),
            "throughput": round(self.throughput, 1),
            "p50_ms": pct(0.50),
            "p90_ms": pct(0.90),
            "p99_ms": pct(0.99),
            "mean_ms": round(1000 * statistics.fmean(ordered), 1),
            "ran_out_of_accounts": self.exhausted,
        }


def run_round(
    system: str, clients: int, seconds: float, work: Callable[[int, requests.Session], bool | None]
) -> Round:
    result = Round(system, clients)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    start = time.monotonic()

    def client(index: int) -> None:
        with requests.Session() as session:
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                ok = work(index, session)
                elapsed = time.perf_counter() - t0
                with lock:
                    if ok is None:
                        result.exhausted = True
                        return
                    if ok:
                        result.latencies.append(elapsed)
                    else:
                        result.rejected += 1

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--users", type=int, default=6000, help="accounts (one code each)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-privacyidea", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    instance = Path(tempfile.mkdtemp(prefix="bench-totp-"))
    port = free_port()
    stack = contextlib.ExitStack()
    rounds: list[Round] = []
    try:
        print(f"preparing {args.users} IdP accounts ...", file=sys.stderr)
        accounts, app = prepare_idp(instance, port, args.users)
        proc = start_idp(instance, port)
        stack.callback(lambda: os.killpg(proc.pid, signal.SIGTERM))
        idp = Idp(f"http://127.0.0.1:{port}", proc)
        pool = AccountPool(accounts, cookie_maker(app))
        print("signing session cookies ...", file=sys.stderr)
        pool.prefill()
        pi = None if args.no_privacyidea else start_privacyidea(stack, max(args.clients))

        # Warm both (imports, connections, caches) outside the measured rounds.
        run_round("warm-up", 1, 1.0, lambda i, s: idp_request(idp, pool, s))
        if pi is not None:
            run_round("warm-up", 1, 1.0, lambda i, s: pi_request(pi, pi.tokens[i], s))  # type: ignore[union-attr]
        for _ in range(args.rounds):
            for clients in args.clients:
                print(f"IdP, {clients} client(s) ...", file=sys.stderr)
                rounds.append(
                    run_round("idp", clients, args.seconds, lambda i, s: idp_request(idp, pool, s))
                )
                if pi is not None:
                    print(f"privacyIDEA, {clients} client(s) ...", file=sys.stderr)
                    rounds.append(
                        run_round(
                            "privacyidea",
                            clients,
                            args.seconds,
                            lambda i, s: pi_request(pi, pi.tokens[i], s),  # type: ignore[union-attr]
                        )
                    )
    finally:
        stack.close()
        shutil.rmtree(instance, ignore_errors=True)

    report = report_of(rounds)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    failed = any(r.rejected for r in rounds)
    return 1 if failed else 0


def report_of(rounds: list[Round]) -> dict[str, Any]:
    rows = [r.summary() for r in rounds]
    ratios = {}
    for clients in sorted({r.clients for r in rounds}):
        idp = [r.throughput for r in rounds if r.system == "idp" and r.clients == clients]
        pi = [r.throughput for r in rounds if r.system == "privacyidea" and r.clients == clients]
        if idp and pi and statistics.fmean(pi):
            ratios[str(clients)] = round(statistics.fmean(idp) / statistics.fmean(pi), 1)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "rounds": rows,
        "ratio_idp_over_privacyidea": ratios,
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"TOTP verification, {report['when']}, {report['cpus']} CPU(s)")
    header = f"{'system':<12} {'clients':>7} {'accepted':>9} {'rejected':>8} {'req/s':>8} "
    print(header + f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    for row in report["rounds"]:
        print(
            f"{row['system']:<12} {row['clients']:>7} {row['accepted']:>9} {row['rejected']:>8} "
            f"{row['throughput']:>8.1f} {row['p50_ms']:>8} {row['p90_ms']:>8} {row['p99_ms']:>8}"
            + ("  (ran out of accounts)" if row["ran_out_of_accounts"] else "")
        )
    for clients, ratio in report["ratio_idp_over_privacyidea"].items():
        print(f"IdP / privacyIDEA at {clients} client(s): {ratio}x")


if __name__ == "__main__":
    sys.exit(main())
