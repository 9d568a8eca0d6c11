"""Measure the authenticator app: unlock, a busy account list, and a push prompt's arrival.

Runs the real app in a Kivy window (a display, or ``xvfb-run -a``) on a throw-away vault and
prints percentiles, throughput and memory:

- unlock: scrypt with the app's default cost (2**15, r=8: what a phone pays), vault opened;
- accounts: the once-a-second tick (every code recomputed, the list re-rendered) with N accounts;
- search: one keystroke filtering N accounts, until the list is drawn;
- prompt: a signed challenge verified by the core, then handed to the prompt, until the push
  screen is on the window with its context (the part the user waits for once the SSE hint is in);
- RSS of the process at the end.

Frames are not paced (``maxfps`` 0), so each figure is the work done, not a wait for 60 Hz.

    xvfb-run -a .venv/bin/python scripts/bench_app.py [--accounts 200] [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ.setdefault("KCFG_GRAPHICS_MAXFPS", "0")  # frames as fast as they are made: no pacing

from authenticator_app.app import AppServices  # noqa: E402 - after the Kivy environment
from authenticator_app.core.accounts import Account, OtpParameters  # noqa: E402
from authenticator_app.core.challenges import ChallengeInbox, Dropped  # noqa: E402
from authenticator_app.core.clock import FixedClock  # noqa: E402
from authenticator_app.core.vault import Vault  # noqa: E402
from authenticator_app.core.vault_crypto import KdfParams  # noqa: E402
from authenticator_app.core.watcher import ChallengeArrived, ChallengeDropped  # noqa: E402
from tests.authenticator_app.conftest import PIN  # noqa: E402
from tests.authenticator_app.factories import RFC_SECRET, Realm, push_account  # noqa: E402
from tests.authenticator_app.gui.harness import GuiHarness  # noqa: E402

NOW = datetime(2026, 3, 14, 13, 9, 18, tzinfo=UTC)
PUSH_ACCOUNT = "acct_push"


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return (
        f"p50 {at(0.5) * 1000:7.2f} ms   p95 {at(0.95) * 1000:7.2f} ms   "
        f"max {ordered[-1] * 1000:7.2f} ms   ({len(ordered)} runs, "
        f"{1 / statistics.mean(ordered):,.0f}/s)"
    )


def timed(action: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def make_vault(path: Path, realm: Realm, accounts: int) -> Account:
    vault = Vault.create(path, PIN, kdf=KdfParams())
    push = push_account(realm, NOW, account_id=PUSH_ACCOUNT)
    vault.add_account(push)
    for index in range(accounts - 1):
        vault.add_account(
            Account(
                id=f"acct_{index:04d}",
                issuer=f"Service {index:04d}",
                name=f"user{index}@example.org",
                added_at=NOW,
                otp=OtpParameters(secret=RFC_SECRET),
            )
        )
    return push


def bench_screens(gui: GuiHarness, clock: FixedClock, accounts: int, rounds: int) -> None:
    gui.enter_pin(PIN)
    gui.wait(lambda: gui.current == "accounts", timeout=30, what="unlocked")
    gui.settle()
    presenter = gui.app.presenters["accounts"]
    print(f"one idle frame (baseline)       {percentiles(timed(lambda: gui.frames(1), rounds))}")

    def tick() -> None:
        clock.advance(1)
        presenter.tick()
        gui.frames(1)

    print(f"accounts tick, {accounts:4d} accounts   {percentiles(timed(tick, rounds))}")

    search = gui.widget("search", "accounts")
    terms = iter(["0", "01", "012", "0123", ""] * rounds)

    def keystroke() -> None:
        search.text = next(terms)
        gui.frames(1)

    print(f"search keystroke                {percentiles(timed(keystroke, rounds))}")


def bench_prompt(gui: GuiHarness, realm: Realm, clock: FixedClock, rounds: int) -> None:
    push = gui.app.push
    vault = gui.app.vault
    assert push is not None
    assert vault is not None
    account = next(a for a in vault.accounts if a.id == PUSH_ACCOUNT)
    samples = []
    for _ in range(rounds):
        token, _claims = realm.challenge(clock(), ttl=120)
        inbox = ChallengeInbox(was_answered=lambda *_key: False)
        started = time.perf_counter()
        pending = inbox.ingest(account, [token], now=clock()).added[0]
        push.handle(ChallengeArrived(pending))
        gui.frames(1)  # the first frame of the prompt sliding in
        samples.append(time.perf_counter() - started)
        assert gui.current == "push"
        assert gui.screen("push").challenge_id == pending.challenge.challenge_id
        push.handle(
            ChallengeDropped(Dropped(account.id, pending.challenge.challenge_id, "decided"))
        )
        gui.wait(lambda: gui.current == "accounts", what="back")
        gui.settle()
    print(f"challenge -> prompt drawn       {percentiles(samples)}  (verify + first frame)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    rounds = max(3, min(args.rounds, 500))
    accounts = max(2, min(args.accounts, 5000))

    with tempfile.TemporaryDirectory() as tmp:
        vault_path = Path(tmp) / "vault.bin"
        realm = Realm()
        make_vault(vault_path, realm, accounts)
        unlock = timed(lambda: Vault.open(vault_path, PIN), min(rounds, 10))
        print(f"unlock (scrypt 2**15, r=8)      {percentiles(unlock)}")

        clock = FixedClock(NOW)
        services = AppServices(
            vault_path=vault_path,
            clock=clock,
            watch=False,
            language="fr",
            notify=lambda _title, _text: None,
        )
        gui = GuiHarness.start(services, (360, 640))
        try:
            bench_screens(gui, clock, accounts, rounds)
            bench_prompt(gui, realm, clock, rounds)
        finally:
            gui.close()

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS                        {rss:7.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
