"""Sign-in capacity, interleaved in one run: today's argon2id cost against the old one.

Two throw-away ``idp serve`` (gunicorn + gevent, rate limits off), started side by side:

- ``owasp``: the default, OWASP's minimum for argon2id (m=19 MiB, t=2, p=1);
- ``old``: the cost the IdP used before issue 17 (m=64 MiB, t=3, p=2).

Each round measures both, in alternating order (A B, then B A...), so a neighbour's load on
the machine hits both sides alike: the device API's latency idle (JWKS every 20 ms), full
password sign-ins from 1 client, then from 4 clients while the device API is probed again.
Prints the median over rounds per side, the owasp/old ratio, the device API's p99 under load
against its idle p99 (the issue wants within 2x) and whether the 30 sign-ins/s target holds
on this machine, with its load average, so a reader can judge the figures.

    .venv/bin/python scripts/bench_login_compare.py [--rounds 3] [--signins 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_login import Probe, _pct, _sign_in, _sign_ins, _start

TARGET = 30.0  # sign-ins/s on 2 cores (Keycloak's sizing guide: 15 per vCPU)


@dataclass
class Side:
    name: str
    cost: str
    base: str = ""
    one: list[float] = field(default_factory=list)
    four: list[float] = field(default_factory=list)
    idle: list[float] = field(default_factory=list)
    loaded: list[float] = field(default_factory=list)


def _probe(base: str, seconds: float) -> list[float]:
    probe = Probe(base)
    probe.start()
    time.sleep(seconds)
    probe.stop.set()
    probe.join()
    return probe.samples


def _round(side: Side, args: argparse.Namespace) -> None:
    side.idle += _probe(side.base, args.idle_seconds)
    side.one.append(_sign_ins(side.base, max(1, args.signins // 2), 1))
    probe = Probe(side.base)
    probe.start()
    side.four.append(_sign_ins(side.base, args.signins, 4))
    probe.stop.set()
    probe.join()
    side.loaded += probe.samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--signins", type=int, default=60, help="per 4-client block")
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    args = parser.parse_args()
    configs = [
        (Side("owasp", "m=19456 KiB, t=2, p=1"), {"memory_kib": None, "time_cost": None}),
        (
            Side("old", "m=65536 KiB, t=3, p=2"),
            {"memory_kib": 65536, "time_cost": 3, "parallelism": 2},
        ),
    ]
    procs = []
    try:
        for side, cost in configs:
            proc, side.base = _start(argparse.Namespace(workers=1, **cost))
            procs.append(proc)
            _sign_in(side.base)  # warm up
        sides = [side for side, _ in configs]
        for r in range(args.rounds):
            for side in sides if r % 2 == 0 else sides[::-1]:
                _round(side, args)
                print(
                    f"round {r + 1} {side.name:5s}: 1 client {side.one[-1]:5.1f}/s, "
                    f"4 clients {side.four[-1]:5.1f}/s",
                    flush=True,
                )
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
    load = os.getloadavg()
    print()
    print(
        f"Sign-ins, interleaved A/B rounds ({args.rounds}) on {os.cpu_count()} CPU(s), "
        f"1 gunicorn worker each; load average during the run {load[0]:.1f} / {load[1]:.1f}"
    )
    print(
        f"{'side':6s} {'argon2id':24s} {'1 client/s':>11s} {'4 clients/s':>12s} "
        f"{'API p99 idle':>13s} {'API p99 4x':>11s} {'ratio':>6s}"
    )
    medians = {}
    for side in sides:
        one, four = statistics.median(side.one), statistics.median(side.four)
        idle99, load99 = _pct(side.idle, 99), _pct(side.loaded, 99)
        medians[side.name] = four
        print(
            f"{side.name:6s} {side.cost:24s} {one:11.1f} {four:12.1f} "
            f"{idle99:10.1f} ms {load99:8.1f} ms {load99 / idle99:6.2f}"
        )
    print(f"owasp / old, 4 clients: {medians['owasp'] / medians['old']:.2f}x")
    verdict = "met" if medians["owasp"] >= TARGET else "NOT met"
    print(f"target >= {TARGET:.0f} sign-ins/s (4 clients, owasp): {verdict} on this machine")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
