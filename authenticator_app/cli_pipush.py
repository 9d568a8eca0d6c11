"""The headless verbs for privacyIDEA push tokens (``pending``, ``approve``, ``deny``, ``watch``).

:mod:`authenticator_app.cli` calls these when the selected accounts include privacyIDEA push
tokens; with this app's own push accounts too, both are served (see ``_answer`` there). There is
no Firebase: challenges are polled every ``--interval`` seconds.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from authenticator_app.core.accounts import Account
from authenticator_app.core.errors import NoChallenge
from authenticator_app.core.pipush.service import (
    PiArrived,
    PiChallenge,
    PiGone,
    PiProblem,
    PiPushService,
    PiRefusedEvent,
    PiWatchEvent,
)
from authenticator_app.core.pipush.summaries import (
    pi_challenge_id,
    pi_challenge_line,
    pi_challenge_summary,
)
from authenticator_app.core.summaries import refusal_summary

if TYPE_CHECKING:
    from authenticator_app.cli import Cli
    from authenticator_app.core.vault import Vault

__all__ = ["pi_answer", "pi_decide", "pi_service", "pi_watch"]

EXIT_OK = 0


def pi_service(cli: Cli, vault: Vault) -> PiPushService:
    return PiPushService(vault, clock=cli.clock, rng=cli.rng, session_factory=cli.session_factory)


def pi_answer(
    cli: Cli, service: PiPushService, args: argparse.Namespace, accounts: Sequence[Account]
) -> PiChallenge:
    """Wait (polling) for the next verified challenge; :class:`NoChallenge` on timeout."""
    found, refused = service.wait_for_challenge(
        accounts, timeout=args.timeout, interval=args.interval
    )
    for refusal in refused:
        cli.refused(refusal)
    if found is None:
        raise NoChallenge(f"no challenge arrived within {args.timeout:g} s")
    return found


def pi_decide(
    cli: Cli,
    service: PiPushService,
    challenge: PiChallenge,
    decision: str,
    *,
    number: int | None,
    choice: str | None,
) -> int:
    """Approve (with the chosen presence option), deny, or deny and report."""
    if decision == "approve":
        picked = choice if choice is not None else (None if number is None else str(number))
        if not challenge.choices and picked is not None:
            cli.warn("note: this challenge uses no number matching; --number is not sent")
        service.approve(challenge, choice=picked)
        status = "accepted"
    else:
        service.deny(challenge, report=decision == "report")
        status = "declined"
    cli.print(f"{status} challenge {pi_challenge_id(challenge.nonce)} ({challenge.account.label})")
    return EXIT_OK


def pi_watch(
    cli: Cli,
    service: PiPushService,
    accounts: Sequence[Account],
    *,
    as_json: bool,
    interval: float,
    stop: threading.Event,
    lock: threading.Lock,
) -> None:
    """Poll and print each event until ``stop`` is set (see :meth:`PiPushService.watch`)."""
    labels = {a.id: a.label for a in accounts}

    def emit(event: PiWatchEvent) -> None:
        with lock:
            if isinstance(event, PiProblem):
                cli.warn(
                    f"{labels[event.account_id]}: privacyIDEA poll failed "
                    f"[{event.error.code}]: {event.error.message}"
                )
            elif isinstance(event, PiRefusedEvent):
                if as_json:
                    cli.json(refusal_summary(event.refusal))
                else:
                    cli.refused(event.refusal)
            elif isinstance(event, PiArrived):
                if as_json:
                    cli.json(pi_challenge_summary(event.challenge))
                else:
                    cli.print(pi_challenge_line(event.challenge))
            elif isinstance(event, PiGone):
                cid = pi_challenge_id(event.nonce)
                if as_json:
                    cli.json(
                        {
                            "event": "dropped",
                            "challenge_id": cid,
                            "account_id": event.account_id,
                            "reason": "gone",
                        }
                    )
                else:
                    cli.print(f"dropped {cid} (gone)")

    service.watch(accounts, emit, interval=interval, stop=stop)
