"""Is there a timing oracle in metamots' "Mot de passe oublié"? (seed 003, issue 7)

Starts a throw-away ``idp serve`` (test mode, development outbox) on loopback and times the
POST of the request form for identities that match an account and identities that do not,
interleaved. Prints p50/p95/mean per group and the difference of means with a bootstrap 95 %
confidence interval. Run: .venv/bin/python scripts/bench_no_enumeration.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import start_idp, stop_idp  # noqa: E402

MATCHING = {
    "email": "sophie.bernard@entreprise.example",
    "first_name": "Sophie",
    "last_name": "Bernard",
    "country": "FR",
    "organisation_type": "Entreprise",
}
NON_MATCHING = {**MATCHING, "first_name": "Sophia"}
EXTRA: dict[str, str] = {}
UNKNOWN = {**MATCHING, "email": "personne@entreprise.example"}


def one_request(base: str, identity: dict[str, str]) -> float:
    s = requests.Session()
    s.get(f"{base}/realms/metamots/recovery/", timeout=10)
    page = s.get(f"{base}/realms/metamots/recovery/identify_by_attributes", timeout=10).text
    fields = dict(re.findall(r'name="(csrf_token|flow_version)"[^>]*value="([^"]*)"', page))
    start = time.perf_counter()
    resp = s.post(
        f"{base}/realms/metamots/recovery/identify_by_attributes",
        data={**fields, **identity},
        allow_redirects=False,
        timeout=10,
    )
    elapsed = time.perf_counter() - start
    if resp.status_code != 302:
        raise SystemExit(f"unexpected answer {resp.status_code}")
    return elapsed * 1000


def summary(name: str, values: list[float]) -> str:
    q = statistics.quantiles(values, n=20)
    return (
        f"{name:<28} n={len(values):<4} p50={statistics.median(values):6.2f} ms  "
        f"p95={q[18]:6.2f} ms  mean={statistics.fmean(values):6.2f} ms"
    )


def bootstrap_diff(a: list[float], b: list[float], rounds: int = 2000) -> tuple[float, float]:
    rng = random.Random(7)
    diffs = sorted(
        statistics.fmean(rng.choices(a, k=len(a))) - statistics.fmean(rng.choices(b, k=len(b)))
        for _ in range(rounds)
    )
    return diffs[int(rounds * 0.025)], diffs[int(rounds * 0.975)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=150, help="requests per group")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # Rate limits stay on; the per-address cap only stops mails, never changes the answer.
        live = start_idp(Path(tmp), IDP_RATELIMIT_ENABLED="false", **EXTRA)
        try:
            times: dict[str, list[float]] = {
                "matching": [],
                "wrong first name": [],
                "unknown address": [],
            }
            identities = {
                "matching": MATCHING,
                "wrong first name": NON_MATCHING,
                "unknown address": UNKNOWN,
            }
            for _ in range(5):  # warm-up
                one_request(live.base_url, UNKNOWN)
            for _ in range(args.rounds):
                for name in random.sample(list(times), k=3):
                    times[name].append(one_request(live.base_url, identities[name]))
        finally:
            stop_idp(live)
    print("POST of the 'Mot de passe oublié' form, idp serve (gunicorn + gevent, SQLite)")
    for name, values in times.items():
        print(summary(name, values))
    for other in ("wrong first name", "unknown address"):
        low, high = bootstrap_diff(times["matching"], times[other])
        print(f"mean(matching) - mean({other}): 95% CI [{low:+.2f}, {high:+.2f}] ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
