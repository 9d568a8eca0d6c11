"""``authenticator --vault PATH <verb>``: the headless authenticator, a thin layer on the core.

Exit status: 0 the verb did what it says; 1 it did not (denied by the IdP, no challenge in
time, a refused challenge...); 2 usage or input error; 3 vault error; 4 the IdP is unreachable
or answers something else than the protocol. Errors go to stderr as one line,
``error [code]: message``. See ``docs/authenticator-headless.md``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TextIO

import requests

from authenticator_app import __version__, cli_pipush, cli_trace, cli_transfer
from authenticator_app.core import summaries
from authenticator_app.core import watcher as watching
from authenticator_app.core.accounts import Account, find_accounts
from authenticator_app.core.challenges import ChallengeInbox, PendingChallenge
from authenticator_app.core.clock import (
    Clock,
    RandomBytes,
    offset_clock,
    system_clock,
    system_random,
)
from authenticator_app.core.codes import current_codes
from authenticator_app.core.decisions import Decision
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.errors import (
    AccountNotFound,
    AuthenticatorError,
    ChallengeRefused,
    InputError,
    NetworkError,
    NoChallenge,
    NoPushAccount,
    NoTrace,
    NumberInvalid,
    VaultError,
)
from authenticator_app.core.idp_errors import IdpRefused
from authenticator_app.core.pipush.service import DEFAULT_POLL_INTERVAL, PiChallenge, PiPushService
from authenticator_app.core.pipush.summaries import pi_challenge_line, pi_challenge_summary
from authenticator_app.core.push_service import PushService, RetryNotice
from authenticator_app.core.trace_log import TraceLog, trace_log_path
from authenticator_app.core.unlock import unlock_vault
from authenticator_app.core.vault import Vault, default_vault_path
from authenticator_app.core.vault_crypto import KdfParams

__all__ = ["EXIT_FAILED", "EXIT_NETWORK", "EXIT_OK", "EXIT_USAGE", "EXIT_VAULT", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_VAULT, EXIT_NETWORK = 0, 1, 2, 3, 4
EXIT_BY_KIND = {"refused": EXIT_FAILED, "input": EXIT_USAGE, "vault": EXIT_VAULT}
DEFAULT_TIMEOUT_SECONDS = 30.0
GUI_MISSING = (
    "the app window needs a display (DISPLAY) and Kivy; without them use a verb "
    "(authenticator --vault PATH add|list|code|pending|approve|deny|watch, see --help)"
)


class _UsageError(InputError):
    code = "usage"


class _ClockOffsetInvalid(InputError):
    code = "clock_offset_invalid"


def _clock_offset(text: str) -> float:
    try:
        seconds = float(text)
        offset_clock(system_clock, seconds)
    except ValueError as exc:
        raise _ClockOffsetInvalid(f"--clock-offset {text!r}: {exc}") from None
    return seconds


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


@dataclass
class Cli:
    """What a run needs from the outside world (tests replace any of it)."""

    env: Mapping[str, str]
    out: TextIO
    err: TextIO
    clock: Clock = system_clock
    rng: RandomBytes = system_random
    kdf: KdfParams | None = None
    session_factory: Callable[[], requests.Session] = requests.Session
    prompt: Callable[[str], str] = getpass.getpass
    interactive: bool = False
    vault_path: Path = field(default_factory=Path)

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def json(self, value: Any) -> None:
        self.print(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def document(self, **members: Any) -> None:
        """A ``--json`` document: ``{"v": SUMMARY_VERSION, ...members}``."""
        self.json({"v": summaries.SUMMARY_VERSION, **members})

    def warn(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    def refused(self, refusal: ChallengeRefused) -> None:
        where = f" (challenge {refusal.challenge_id})" if refusal.challenge_id else ""
        self.warn(f"refused [{refusal.code}]: {refusal.message}{where}")

    def open_vault(self, *, create: bool = False) -> Vault:
        return unlock_vault(
            self.vault_path,
            self.env,
            prompt=self.prompt,
            interactive=self.interactive,
            create=create,
            kdf=self.kdf,
            rng=self.rng,
        )

    def trace_log(self) -> TraceLog:
        return TraceLog(trace_log_path(self.vault_path), clock=self.clock)

    def service(self, vault: Vault) -> PushService:
        return PushService(
            vault,
            clock=self.clock,
            rng=self.rng,
            session_factory=self.session_factory,
            trace=self.trace_log(),
            on_retry=self.retrying,
        )

    def retrying(self, notice: RetryNotice) -> None:
        self.warn(
            f"warning [{notice.error.code}]: {notice.error.message}; {notice.what} tried again "
            f"in {notice.delay:g} s ({notice.attempt + 1} of {notice.attempts})"
        )


# --- verbs --------------------------------------------------------------------------------------


def _add(cli: Cli, args: argparse.Namespace) -> int:
    vault = cli.open_vault(create=True)
    enroller = Enroller(vault, clock=cli.clock, rng=cli.rng, session_factory=cli.session_factory)
    account = enroller.add_uri(
        args.uri, device_name=args.name, allow_insecure_http=args.allow_insecure_http
    )
    if args.json:
        cli.document(account=summaries.account_summary(account))
    elif account.pipush is not None:
        cli.print(
            f"enrolled {account.label} as privacyIDEA push token {account.pipush.serial}"
            f" (poll only: {'yes' if account.pipush.poll_only else 'no, polling anyway'})"
        )
    elif account.push is not None:
        cli.print(
            f"enrolled {account.label} as device {account.push.device_id} "
            f"(realm {account.push.realm}, matching {account.push.matching_mode})"
        )
    else:
        cli.print(f"added {account.label} ({', '.join(account.kinds)})")
    return EXIT_OK


def _list(cli: Cli, args: argparse.Namespace) -> int:
    accounts = cli.open_vault().accounts
    if args.json:
        cli.document(accounts=[summaries.account_summary(a) for a in accounts])
        return EXIT_OK
    if not accounts:
        cli.warn("the vault holds no account")
    for account in accounts:
        device = f"  device {account.push.device_id}" if account.push else ""
        if account.pipush is not None:
            device += f"  privacyIDEA {account.pipush.serial}"
        cli.print(f"{account.id}  {account.label}  [{'+'.join(account.kinds)}]{device}")
    return EXIT_OK


def _code(cli: Cli, args: argparse.Namespace) -> int:
    rows = current_codes(cli.open_vault(), args.account, now=cli.clock())
    if args.json:
        cli.document(codes=[summaries.code_summary(a, c) for a, c in rows])
    elif args.account and len(rows) == 1:
        cli.print(rows[0][1].code)
    else:
        for account, code in rows:
            left = f"  ({code.remaining} s)" if code.remaining is not None else ""
            cli.print(f"{code.code}  {account.label}{left}")
    return EXIT_OK


@dataclass
class _PushSelection:
    """The push accounts a verb works on: this app's own, and privacyIDEA tokens."""

    own: list[Account]
    pi: list[Account]


def _select_push(vault: Vault, query: str | None) -> _PushSelection:
    own_all = [a for a in vault.accounts if a.push is not None]
    pi_all = [a for a in vault.accounts if a.pipush is not None]
    if not own_all and not pi_all:
        raise NoPushAccount("the vault holds no push account")
    selection = _PushSelection(
        own=find_accounts(own_all, query) if own_all else [],
        pi=find_accounts(pi_all, query) if pi_all else [],
    )
    if not selection.own and not selection.pi:
        raise AccountNotFound(f"no push account matches {query!r}")
    return selection


def _pending(cli: Cli, args: argparse.Namespace) -> int:
    vault = cli.open_vault()
    selection = _select_push(vault, args.account)
    service = cli.service(vault)
    inbox = service.new_inbox()
    refused: list[ChallengeRefused] = []
    if selection.own:
        refused += service.refresh(inbox, selection.own).refused
    pi_found: list[PiChallenge] = []
    if selection.pi:
        polled = cli_pipush.pi_service(cli, vault).poll(selection.pi)
        pi_found, refused = polled.challenges, refused + polled.refused
    now = cli.clock()
    if args.json:
        cli.document(
            challenges=[summaries.challenge_summary(p, now=now) for p in inbox.pending],
            refused=[summaries.refusal_summary(r) for r in refused],
            privacyidea=[pi_challenge_summary(c) for c in pi_found],
        )
        return EXIT_OK
    for refusal in refused:
        cli.refused(refusal)
    if not len(inbox) and not pi_found:
        cli.warn("no pending challenge")
    for pending in inbox.pending:
        cli.print(summaries.challenge_line(pending, now=cli.clock()))
    for challenge in pi_found:
        cli.print(pi_challenge_line(challenge))
    return EXIT_OK


def _answer(cli: Cli, args: argparse.Namespace, decision: Decision) -> int:
    if args.timeout < 0:
        raise _UsageError("--timeout must not be negative")
    if args.interval <= 0:
        raise _UsageError("--interval must be positive")
    number = getattr(args, "number", None)
    if number is not None and not 0 <= number <= 99:
        raise NumberInvalid(f"{number} is not between 0 and 99")
    vault = cli.open_vault()
    selection = _select_push(vault, args.account)
    service = cli.service(vault)
    inbox = service.new_inbox()
    if selection.pi and not selection.own:
        pi = cli_pipush.pi_service(cli, vault)
        found = cli_pipush.pi_answer(cli, pi, args, selection.pi)
        return _decide_pi(cli, pi, found, decision, args)
    if selection.own and not selection.pi:
        pending, seen = service.wait_for_challenge(inbox, selection.own, timeout=args.timeout)
        for refusal in seen.refused:
            cli.refused(refusal)
        if pending is None:
            raise NoChallenge(f"no challenge arrived within {args.timeout:g} s")
        return _decide_own(cli, service, inbox, pending, decision, number=number)
    return _answer_mixed(cli, args, decision, service=service, inbox=inbox, selection=selection)


def _answer_mixed(
    cli: Cli,
    args: argparse.Namespace,
    decision: Decision,
    *,
    service: PushService,
    inbox: ChallengeInbox,
    selection: _PushSelection,
) -> int:
    """Both kinds of push accounts: poll each in turn (no long-poll, so neither waits)."""
    number = getattr(args, "number", None)
    pi = cli_pipush.pi_service(cli, service.vault)
    deadline = time.monotonic() + args.timeout
    reported: set[str | None] = set()
    while True:
        changes = service.refresh(inbox, selection.own)
        polled = pi.poll(selection.pi)
        for refusal in [*changes.refused, *polled.refused]:
            if refusal.challenge_id not in reported:
                reported.add(refusal.challenge_id)
                cli.refused(refusal)
        own_pending = inbox.latest()
        if own_pending is not None:
            return _decide_own(cli, service, inbox, own_pending, decision, number=number)
        if polled.challenges:
            return _decide_pi(cli, pi, polled.challenges[-1], decision, args)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NoChallenge(f"no challenge arrived within {args.timeout:g} s")
        time.sleep(min(args.interval, remaining))


def _decide_own(
    cli: Cli,
    service: PushService,
    inbox: ChallengeInbox,
    pending: PendingChallenge,
    decision: Decision,
    *,
    number: int | None,
) -> int:
    if decision == "approve" and pending.challenge.matching.mode == "none" and number is not None:
        cli.warn("note: this challenge uses no number matching; --number is not sent")
    outcome = service.answer(pending, decision, number=number, inbox=inbox)
    cli.print(f"{outcome.status} challenge {outcome.challenge_id} ({pending.account.label})")
    return EXIT_OK if outcome.succeeded else EXIT_FAILED


def _decide_pi(
    cli: Cli,
    pi: PiPushService,
    challenge: PiChallenge,
    decision: Decision,
    args: argparse.Namespace,
) -> int:
    return cli_pipush.pi_decide(
        cli,
        pi,
        challenge,
        decision,
        number=getattr(args, "number", None),
        choice=getattr(args, "choice", None),
    )


def _watch(cli: Cli, args: argparse.Namespace) -> int:
    if args.interval <= 0:
        raise _UsageError("--interval must be positive")
    vault = cli.open_vault()
    selection = _select_push(vault, args.account)
    stop = threading.Event()
    lock = threading.Lock()
    pi_thread: threading.Thread | None = None
    if selection.pi:
        pi = cli_pipush.pi_service(cli, vault)

        def watch_pi() -> None:
            cli_pipush.pi_watch(
                cli,
                pi,
                selection.pi,
                as_json=args.json,
                interval=args.interval,
                stop=stop,
                lock=lock,
            )

        pi_thread = threading.Thread(target=watch_pi, name="pipush-watch", daemon=True)
    # SIGTERM ends a watch as cleanly as Ctrl-C (a test harness stopping the subprocess).
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        if pi_thread is not None:
            pi_thread.start()
        if selection.own:
            _watch_own(cli, args, vault, selection.own, lock)
        else:
            while not stop.wait(0.5):
                pass
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if pi_thread is not None:
            pi_thread.join(timeout=30)
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    return EXIT_OK


def _watch_own(
    cli: Cli,
    args: argparse.Namespace,
    vault: Vault,
    accounts: list[Account],
    lock: threading.Lock,
) -> None:
    service = cli.service(vault)
    watcher = watching.Watcher(service, accounts)
    labels = {a.id: a.label for a in watcher.accounts.values()}

    def emit(event: watching.WatchEvent) -> None:
        with lock:
            if isinstance(event, watching.ConnectionChanged | watching.WatchProblem):
                cli.warn(watching.status_line(event, labels[event.account_id]))
            elif args.json:
                cli.json(watching.watch_event_summary(event, now=cli.clock()))
            elif isinstance(event, watching.ChallengeArrived):
                cli.print(summaries.challenge_line(event.pending, now=cli.clock()))
            elif isinstance(event, watching.ChallengeRefusedEvent):
                cli.refused(event.refusal)
            elif isinstance(event, watching.ChallengeDropped):
                cli.print(f"dropped {event.dropped.challenge_id} ({event.dropped.reason})")

    try:
        watcher.run(emit)
    except KeyboardInterrupt:
        watcher.stop()


def _trace(cli: Cli, args: argparse.Namespace) -> int:
    log = cli.trace_log()
    entries = log.transaction(args.challenge_id)
    if args.json:
        cli.document(challenge_id=args.challenge_id, trace_file=str(log.path), events=entries)
    else:
        cli.print(f"challenge {args.challenge_id}: {len(entries)} event(s) in {log.path}")
        cli_trace.print_entries(cli.print, entries)
    if not entries:
        raise NoTrace(f"this device recorded nothing about {args.challenge_id}")
    return EXIT_OK


# --- parser and entry point ---------------------------------------------------------------------


def _codes_of(base: type[AuthenticatorError]) -> list[str]:
    found, todo = set(), [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            if "code" in vars(sub):  # not a class that takes its code at run time
                found.add(sub.code)
            todo.append(sub)
    return sorted(found)


def exit_status_help() -> str:
    """The exit statuses, with every input and vault code (docs/authenticator-headless.md)."""
    wrap = textwrap.TextWrapper(width=78, initial_indent="  ", subsequent_indent="      ")
    lines = [
        "0 the verb did what it says",
        "1 it did not: number_mismatch, challenge_expired, activation_code_used, "
        "device_revoked, no_challenge, a challenge refused as forged...",
        "2 usage or input error: " + ", ".join(sorted([*_codes_of(InputError), "gui_unavailable"])),
        "3 vault error: " + ", ".join(_codes_of(VaultError)),
        "4 the IdP is unreachable or answers something else: " + ", ".join(_codes_of(NetworkError)),
    ]
    return "exit status:\n" + "\n".join(wrap.fill(line) for line in lines)


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--vault", type=Path, default=argparse.SUPPRESS, help="the vault file")
    common.add_argument(
        "--clock-offset",
        type=_clock_offset,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help="act as if this device's clock were SECONDS ahead (negative: behind), for testing "
        "TOTP drift, challenge expiry and iat windows",
    )
    parser = _Parser(
        prog="authenticator",
        parents=[common],
        description="Headless authenticator: push approvals and one-time codes.",
        epilog=exit_status_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"authenticator {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")

    def verb(name: str, run: Callable[[Cli, argparse.Namespace], int], text: str) -> Any:
        sub = verbs.add_parser(name, parents=[common], help=text, description=text)
        sub.set_defaults(run=run)
        return sub

    add = verb("add", _add, "add an account from an otpauth:// URI (enrolls push offers)")
    add.add_argument("uri")
    add.add_argument("--allow-insecure-http", action="store_true")
    add.add_argument("--name", help="device name shown at the IdP")
    add.add_argument("--json", action="store_true")
    lst = verb("list", _list, "list the accounts")
    lst.add_argument("--json", action="store_true")
    code = verb("code", _code, "print current one-time code(s)")
    code.add_argument("account", nargs="?", help="issuer:account or a label substring")
    code.add_argument("--json", action="store_true")
    pending = verb("pending", _pending, "list verified pending challenges")
    pending.add_argument("--json", action="store_true")
    approve = verb(
        "approve",
        lambda c, a: _answer(c, a, "approve"),
        "wait for the next challenge and approve it",
    )
    approve.add_argument("--number", type=int, help="the number shown in the browser")
    approve.add_argument(
        "--choice",
        metavar="TEXT",
        help="privacyIDEA: the presence option to pick, as shown at login (letters or numbers)",
    )
    deny = verb(
        "deny",
        lambda c, a: _answer(c, a, "report" if a.report else "deny"),
        "wait for the next challenge and deny it",
    )
    deny.add_argument("--report", action="store_true", help="report it: 'it was not me'")
    trace = verb(
        "trace",
        _trace,
        "this device's side of a challenge: what it received, verified, signed, retried",
    )
    trace.add_argument("challenge_id", metavar="CHALLENGE_ID")
    trace.add_argument("--json", action="store_true")
    watch = verb("watch", _watch, "print each verified challenge as it arrives")
    watch.add_argument("--json", action="store_true", help="one JSON object per line")
    cli_transfer.add_parsers(verb)
    for sub in (pending, approve, deny, watch):
        sub.add_argument("--account", help="only this push account (issuer:account or substring)")
    for sub in (approve, deny):
        sub.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, metavar="S")
    for sub in (approve, deny, watch):
        sub.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_POLL_INTERVAL,
            metavar="S",
            help="seconds between polls of privacyIDEA push tokens (no Firebase)",
        )
    return parser


def _error_line(error: AuthenticatorError) -> str:
    message = error.message
    detail = "" if isinstance(error, IdpRefused) else error.detail
    if detail and detail not in {message, error.code}:
        message = f"{message} ({detail})"
    return f"error [{error.code}]: {message}"


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    **overrides: Any,
) -> int:
    """Run one command; the exit status (see the module docstring)."""
    settings: dict[str, Any] = {"interactive": _stdin_is_a_terminal(), **overrides}
    cli = Cli(
        env=os.environ if env is None else env,
        out=stdout or sys.stdout,
        err=stderr or sys.stderr,
        **settings,
    )
    try:
        args = build_parser().parse_args(argv)
        if getattr(args, "run", None) is None:
            return _open_gui(cli, args)
        cli.vault_path = getattr(args, "vault", None) or default_vault_path(cli.env)
        cli.clock = offset_clock(cli.clock, getattr(args, "clock_offset", 0.0))
        status: int = args.run(cli, args)
        return status
    except AuthenticatorError as error:
        cli.warn(_error_line(error))
        return EXIT_BY_KIND.get(error.kind, EXIT_NETWORK)
    except KeyboardInterrupt:
        cli.warn("interrupted")
        return 130


def _stdin_is_a_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _open_gui(cli: Cli, args: argparse.Namespace) -> int:
    """No verb: open the app window on the same vault the verbs use."""
    if sys.platform.startswith("linux") and not (
        cli.env.get("DISPLAY") or cli.env.get("WAYLAND_DISPLAY")
    ):
        cli.warn(f"error [gui_unavailable]: {GUI_MISSING}")
        return EXIT_USAGE
    try:
        from authenticator_app.app import run_app  # Kivy is imported only here
    except ImportError:
        cli.warn(f"error [gui_unavailable]: {GUI_MISSING}")
        return EXIT_USAGE
    return run_app(
        Path(getattr(args, "vault", None) or default_vault_path(cli.env)),
        clock=offset_clock(cli.clock, getattr(args, "clock_offset", 0.0)),
        test_mode=cli.env.get("AUTHENTICATOR_TEST_MODE") == "1",
    )
