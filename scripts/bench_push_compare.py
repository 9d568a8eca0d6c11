"""Push round trips side by side: this IdP against privacyIDEA 3.14, interleaved in one run.

The same steps on both sides (docs/performance.md), one round trip at a time, then 2 and 4 in
flight:

    this IdP     POST /_dev/.../challenges (the sign-in's trigger) -> the SSE event carries the
                 signed challenge -> the device verifies it (pinned JWKS) -> signed decision
                 -> GET status: "approved"
    privacyIDEA  POST /validate/triggerchallenge (admin JWT) -> the phone polls GET /ttype/push
                 (signed) -> verifies the challenge and capabilities signatures -> signed answer
                 with the number (presence) -> GET /validate/polltransaction: ACCEPT

privacyIDEA 3.14 is installed by pip into its own venv under a cache folder
(tests/support/privacyidea.py), poll-only push with number matching (3 options), its own
gunicorn on loopback (2 workers, as privacyIDEA's performance notes advise one per core), SQLite,
a cheap token-PIN hash (no PIN is checked on this path anyway). This IdP: one gunicorn+gevent
worker, SQLite. Blocks alternate A B A B ... so both sides see the same machine; the report gives
both p50s, their ratio, round trips/s at each concurrency, the servers' CPU per round trip and
the client (browser + device emulation) CPU per round trip. Both sides' HTTP calls go through
the same small keep-alive client (scripts/bench_http.py), lighter than ``requests``: at one
round trip in flight the client's CPU adds to every round trip, so it is kept small and equal.

Blocks are ``--rounds`` round trips per side and concurrency (240 by default). Round trips/s is
a block's round trips over its wall time, start and finish included: in a short block the
ramp-up and the tail (the last round trips, with fewer in flight) weigh on it (blocks of 60 at
4 in flight last about 0.2 s here and measured 8-12 % fewer round trips/s than blocks of 240);
the p50s barely depend on it.

    .venv/bin/python scripts/bench_push_compare.py [--rounds 240] [--blocks 3]
        [--concurrency 1 2 4] [--devices 100] [--json] [--no-fast-lane]

``--no-fast-lane`` starts this IdP with ``IDP_FAST_LANE=0``: every call through Flask, as before
the fast lane (docs/performance.md, fifth pass).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

import bench_push as ours  # patches the process with gevent first
import gevent
import gevent.pool
import requests
from bench_http import LightSession

from authenticator_app.core.accounts import Account, PiPushDevice
from authenticator_app.core.pipush import signing as pi_signing
from authenticator_app.core.pipush.client import PiPushClient, register
from authenticator_app.core.pipush.service import verify_pi_challenge
from authenticator_app.core.pipush.uri import parse_pipush_uri
from tests.support.privacyidea import PeerUnavailable, PrivacyIdeaAdmin, privacyidea_server

HTTP_TIMEOUT = 30.0
POLL_PAUSE = 0.002  # between two polltransaction calls while privacyIDEA has not accepted yet
DEVICE_KEY_BITS = 2048  # privacyIDEA accepts 2048+; the phone's key size is not on this path


def log(msg: str) -> None:
    print(f"[compare] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- privacyIDEA side


@dataclass
class PiPhone:
    """One enrolled privacyIDEA push token (poll only), driven as the phone would."""

    user: str
    client: PiPushClient
    account: Account


def enroll_phone(admin: PrivacyIdeaAdmin, user: str) -> PiPhone:
    offer = parse_pipush_uri(admin.enroll_push(user).uri, allow_insecure_http=True)
    key = pi_signing.new_device_key(DEVICE_KEY_BITS)
    session: Any = LightSession()  # duck-typed requests.Session (scripts/bench_http.py)
    server_key = pi_signing.load_server_key(
        register(
            session,
            url=offer.url,
            serial=offer.serial,
            enrollment_credential=offer.enrollment_credential,
            pubkey_b64=pi_signing.device_public_key_b64(key),
            verify=offer.sslverify,
        )
    )
    now = ours.utcnow()
    device = PiPushDevice(
        serial=offer.serial,
        url=offer.url,
        sslverify=offer.sslverify,
        private_key_pem=pi_signing.private_key_pem(key),
        server_public_key_pem=pi_signing.public_key_pem(server_key),
        poll_only=offer.poll_only,
        enrolled_at=now,
    )
    account = Account(
        id=f"pi-{user}", issuer=offer.issuer, name=offer.label, added_at=now, pipush=device
    )
    return PiPhone(user, PiPushClient(device, session=session, timeout=HTTP_TIMEOUT), account)


def pi_round_trip(admin: PrivacyIdeaAdmin, phone: PiPhone) -> float:
    """Trigger sent -> ACCEPT seen by the relying side, in seconds."""
    start = time.perf_counter()
    detail = admin.trigger_challenge(phone.user)["detail"]
    transaction = detail["transaction_id"]
    number = next(
        (
            c.get("presence_answer")
            for c in detail.get("multi_challenge", [])
            if c.get("type") == "push"
        ),
        None,
    )
    if not number:
        raise RuntimeError(f"no push challenge with a number in {detail}")
    verified = None
    for data in phone.client.poll():
        challenge = verify_pi_challenge(phone.account, data, was_answered=lambda *_: False)
        if str(number) in challenge.choices:
            verified = challenge
    if verified is None:
        raise RuntimeError("the poll did not return the triggered challenge")
    if not phone.client.answer(verified.nonce, presence_answer=str(number)):
        raise RuntimeError("privacyIDEA refused the answer")
    deadline = start + 10
    while True:
        result = admin.poll_transaction(transaction).get("result", {})
        if result.get("authentication") == "ACCEPT":
            return time.perf_counter() - start
        if time.perf_counter() > deadline:
            raise RuntimeError(f"transaction still {result.get('authentication')} after 10 s")
        gevent.sleep(POLL_PAUSE)


# --------------------------------------------------------------------------- one side's runs


@dataclass
class Side:
    name: str
    one: Callable[[int], float]  # worker index -> round-trip seconds
    cpu: Callable[[], float]  # the server's CPU seconds so far
    samples: dict[int, list[float]] = field(default_factory=dict)
    wall: dict[int, float] = field(default_factory=dict)
    server_cpu: dict[int, float] = field(default_factory=dict)
    client_cpu: dict[int, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def run_block(side: Side, rounds: int, concurrency: int) -> None:
    todo = iter(range(rounds))
    samples = side.samples.setdefault(concurrency, [])

    def worker(index: int) -> None:
        for _ in todo:
            try:
                samples.append(side.one(index))
            except (RuntimeError, requests.RequestException, ValueError, KeyError) as exc:
                side.errors.append(f"{type(exc).__name__}: {exc}"[:300])

    cpu0, ccpu0, t0 = side.cpu(), ours.client_cpu_seconds(), time.perf_counter()
    gevent.joinall([gevent.spawn(worker, i) for i in range(concurrency)])
    side.wall[concurrency] = side.wall.get(concurrency, 0.0) + time.perf_counter() - t0
    side.server_cpu[concurrency] = side.server_cpu.get(concurrency, 0.0) + side.cpu() - cpu0
    side.client_cpu[concurrency] = (
        side.client_cpu.get(concurrency, 0.0) + ours.client_cpu_seconds() - ccpu0
    )


def figures(side: Side, concurrency: int) -> dict[str, Any]:
    samples = side.samples.get(concurrency, [])
    done = len(samples)
    return {
        "round_trips": done,
        "latency_ms": ours.summary(samples),
        "per_second": round(done / side.wall[concurrency], 1)
        if side.wall.get(concurrency)
        else None,
        "server_cpu_ms_per_round_trip": round(
            side.server_cpu[concurrency] * 1000 / max(done, 1), 2
        ),
        "client_cpu_ms_per_round_trip": round(
            side.client_cpu[concurrency] * 1000 / max(done, 1), 2
        ),
    }


# --------------------------------------------------------------------------- the run


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--rounds", type=int, default=240, help="round trips per block, side and concurrency"
    )
    parser.add_argument("--blocks", type=int, default=3, help="A B blocks per concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--devices", type=int, default=100, help="devices holding SSE streams")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-fast-lane",
        action="store_true",
        help="this IdP with every call through Flask (IDP_FAST_LANE=0, idp/web/fast_lane.py)",
    )
    args = parser.parse_args(argv)
    if args.no_fast_lane:
        ours.EXTRA_ENV["IDP_FAST_LANE"] = "0"
    if not 1 <= args.rounds <= 2000 or not 1 <= args.blocks <= 20:
        parser.error("--rounds: 1 to 2000, --blocks: 1 to 20")
    if any(not 1 <= c <= 16 for c in args.concurrency) or not 16 <= args.devices <= 5000:
        parser.error("--concurrency: 1 to 16, --devices: 16 to 5000")
    per_user = (args.rounds * args.blocks * len(args.concurrency) + ours.WARMUP) / args.devices
    if per_user > ours.PUSH_CAP - 1:
        parser.error("too many round trips per device for the realm's cap: raise --devices")
    return args


def our_side(workdir: Path, n: int, slots: int) -> tuple[Side, ours.Server, list[ours.Device]]:
    lane = ", every call through Flask" if ours.EXTRA_ENV.get("IDP_FAST_LANE") == "0" else ""
    log(f"this IdP: {n} users and devices, SQLite, 1 gunicorn+gevent worker{lane}")
    instance = workdir / "idp"
    instance.mkdir()
    port = ours.free_port()
    offers = ours.prepare_instance(instance, port, n)
    server = ours.start_server(instance, port, n)
    devices = [ours.Device(u, uri) for u, uri in offers]
    ours.enroll_all(server, devices)
    broken, _ = ours.open_streams(devices)
    if broken:
        raise RuntimeError(f"{len(broken)} SSE streams failed")
    ours.run_challenges(server.base_url, devices, ours.WARMUP, 1, 60)
    free = devices[:]
    random.Random(7).shuffle(free)
    browsers = [LightSession() for _ in range(slots)]

    def one(index: int) -> float:
        device = free.pop()
        try:
            sample = ours.round_trip(browsers[index], server.base_url, device)
        finally:
            free.insert(0, device)
        return sample.trigger + sample.round_trip

    return Side("this IdP", one, server.cpu_seconds), server, devices


def pi_side(pi: Any, slots: int) -> Side:
    users = [f"peer{i:02d}" for i in range(slots)]
    pi.create_realm(users)
    pi.client.set_push_policies(number_matching=True, options=3)
    phones = [enroll_phone(pi.client, u) for u in users]
    token = pi.client.token()
    admins = []
    for _ in users:
        admin = PrivacyIdeaAdmin(pi.base_url, session=LightSession())  # type: ignore[arg-type]
        admin._token = token  # one admin login shared by the client workers
        admins.append(admin)
    workers = ours.children_of(pi.process.pid) if pi.process else []
    for _ in range(5):  # warm-up
        pi_round_trip(admins[0], phones[0])
    return Side(
        "privacyIDEA 3.14",
        lambda i: pi_round_trip(admins[i], phones[i]),
        lambda: sum(ours.proc_stat(p)[1] for p in workers),
    )


def run_interleaved(sides: list[Side], args: argparse.Namespace) -> None:
    for concurrency in args.concurrency:
        for block in range(args.blocks):
            for side in sides if block % 2 == 0 else sides[::-1]:
                log(f"{side.name}: block {block + 1}, {concurrency} in flight")
                run_block(side, args.rounds, concurrency)


def print_report(report: dict[str, Any], sides: list[Side], concurrencies: list[int]) -> None:
    cores = os.cpu_count()
    print()
    print(f"Push round trips, interleaved A/B blocks on {cores} cores (client on the same machine)")
    header = (
        f"{'in flight':>9} | {'side':<17} | {'p50 ms':>7} {'p95 ms':>7} | {'rt/s':>6} | "
        f"{'server CPU ms':>13} | {'client CPU ms':>13}"
    )
    print(header)
    print("-" * len(header))
    for c in concurrencies:
        rows = report["results"][str(c)]
        for name, row in rows.items():
            lat = row["latency_ms"]
            cells = [
                f"{ours.fmt(lat['p50']):>7} {ours.fmt(lat['p95']):>7}",
                f"{ours.fmt(row['per_second']):>6}",
                f"{ours.fmt(row['server_cpu_ms_per_round_trip']):>13}",
                f"{ours.fmt(row['client_cpu_ms_per_round_trip']):>13}",
            ]
            print(f"{c:>9} | {name:<17} | " + " | ".join(cells))
        a, b = rows["this IdP"], rows["privacyIDEA 3.14"]
        if a["latency_ms"]["p50"] and b["latency_ms"]["p50"]:
            p50 = b["latency_ms"]["p50"] / a["latency_ms"]["p50"]
            rate = a["per_second"] / b["per_second"]
            print(f"{'':>9}   ratio: p50 {p50:.1f}x lower, throughput {rate:.1f}x")
    for side in sides:
        example = f" (e.g. {side.errors[0]})" if side.errors else ""
        print(f"errors, {side.name}: {len(side.errors)}{example}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ours.raise_fd_limit()
    workdir = Path(tempfile.mkdtemp(prefix="bench_compare-"))
    slots = max(args.concurrency)
    server, devices, sides = None, [], []
    try:
        mine, server, devices = our_side(workdir, args.devices, slots)
        log("privacyIDEA 3.14: installing (first run only) and starting")
        with privacyidea_server(fast_pin_hash=True, workers=2) as pi:
            sides = [mine, pi_side(pi, slots)]
            run_interleaved(sides, args)
    except PeerUnavailable as exc:
        log(f"privacyIDEA cannot be installed here: {exc}")
        return 2
    except RuntimeError as exc:
        log(f"error: {exc}")
        return 1
    finally:
        for device in devices:
            device.close()
        if server is not None:
            ours.stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)
    report = {
        "cpu_cores": os.cpu_count(),
        "rounds_per_block": args.rounds,
        "blocks": args.blocks,
        "fast_lane": not args.no_fast_lane,
        "results": {str(c): {s.name: figures(s, c) for s in sides} for c in args.concurrency},
        "errors": {s.name: s.errors[:5] for s in sides},
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report, sides, args.concurrency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
