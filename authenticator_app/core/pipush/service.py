"""privacyIDEA push tokens in the vault: enroll, fetch and verify challenges, answer them.

Every challenge is verified against the server key pinned at enrollment before it is shown: its
``signature`` over the signed text, and its ``capabilities_signature`` over the RFC 8785 form of
``{"capabilities", "nonce"}`` (a challenge without capabilities is an older server's, and offers
none). A challenge that fails is refused (:class:`ChallengeRefused`, reported, never answerable).
An accepted or declined answer is recorded in the vault like this app's own challenges, so the
same nonce is never answered twice; a rejected answer (wrong number: privacyIDEA keeps the
challenge open) records nothing, so the user may try again.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final, Literal

import requests

from authenticator_app.core.accounts import Account, PiPushDevice, find_accounts
from authenticator_app.core.clock import Clock, RandomBytes, system_clock, system_random
from authenticator_app.core.errors import (
    AccountNotFound,
    AuthenticatorError,
    ChallengeRefused,
    IdpResponseInvalid,
    NoPushAccount,
    NumberMissing,
    NumberNotOffered,
    PiAnswerRejected,
)
from authenticator_app.core.pipush import signing
from authenticator_app.core.pipush.client import (
    DEFAULT_TIMEOUT,
    REGISTER_TIMEOUT,
    PiPushClient,
    register,
)
from authenticator_app.core.pipush.uri import parse_pipush_uri
from authenticator_app.core.vault import AnsweredChallenge, Vault
from shared.identifiers import new_identifier

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "PiArrived",
    "PiChallenge",
    "PiGone",
    "PiPoll",
    "PiProblem",
    "PiPushService",
    "PiRefusedEvent",
    "PiWatchEvent",
    "verify_pi_challenge",
]

DEFAULT_POLL_INTERVAL: Final = 2.0
"""Seconds between polls while watching or waiting (there is no Firebase wake-up)."""
DECLINE_REASON_CAPABILITY: Final = "decline_reason"
# privacyIDEA keeps a challenge 120 s by default; the answer record outlives it anyway.
_ANSWER_KEPT: Final = timedelta(minutes=10)
_NONCE = re.compile(r"[A-Z2-7=]{16,128}")
_FIELDS: Final = ("nonce", "question", "serial", "title", "sslverify", "url", "signature")
_MAX_FIELD: Final = 4096


@dataclass(frozen=True)
class PiChallenge:
    """A privacyIDEA challenge whose signatures verified."""

    account: Account
    nonce: str
    serial: str
    title: str
    question: str
    url: str
    choices: tuple[str, ...] = ()
    """privacyIDEA's presence options (number matching); empty when not required."""
    capabilities: Mapping[str, Any] = field(default_factory=dict)

    @property
    def decline_reason_supported(self) -> bool:
        return self.capabilities.get(DECLINE_REASON_CAPABILITY) is True


@dataclass
class PiPoll:
    challenges: list[PiChallenge] = field(default_factory=list)
    refused: list[ChallengeRefused] = field(default_factory=list)


@dataclass(frozen=True)
class PiArrived:
    challenge: PiChallenge


@dataclass(frozen=True)
class PiGone:
    account_id: str
    nonce: str


@dataclass(frozen=True)
class PiRefusedEvent:
    refusal: ChallengeRefused


@dataclass(frozen=True)
class PiProblem:
    account_id: str
    error: AuthenticatorError


PiWatchEvent = PiArrived | PiGone | PiRefusedEvent | PiProblem


def _refuse(code: str, detail: str, account: Account, nonce: object) -> ChallengeRefused:
    claimed = nonce if isinstance(nonce, str) and len(nonce) <= 128 else None
    return ChallengeRefused(detail, code=code, challenge_id=claimed, account_id=account.id)


def _text_fields(account: Account, data: object) -> dict[str, str]:
    """The signed text fields (and ``require_presence`` when there), checked to be text."""
    if not isinstance(data, dict):
        raise _refuse("challenge_malformed", "not an object", account, None)
    nonce = data.get("nonce")
    names = (*_FIELDS, "require_presence") if "require_presence" in data else _FIELDS
    fields: dict[str, str] = {}
    for name in names:
        value = data.get(name)
        if not isinstance(value, str) or len(value) > _MAX_FIELD:
            raise _refuse("challenge_malformed", f"{name} is missing or not text", account, nonce)
        fields[name] = value
    if _NONCE.fullmatch(fields["nonce"]) is None:
        raise _refuse("challenge_malformed", "the nonce is not base32", account, nonce)
    return fields


def _capabilities(
    account: Account, data: Mapping[str, Any], nonce: str, server_key: Any
) -> dict[str, Any]:
    """The signed capabilities (``{}`` from a server that sends none)."""
    if "capabilities" not in data:
        return {}
    raw = data["capabilities"]
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise _refuse("challenge_malformed", "capabilities is not an object", account, nonce)
    signed = signing.capabilities_input(parsed, nonce)
    if not signing.verify(server_key, data.get("capabilities_signature"), signed):
        raise _refuse("challenge_capabilities_invalid", "capabilities", account, nonce)
    return parsed


def verify_pi_challenge(
    account: Account, data: object, *, was_answered: Callable[[str, str], bool]
) -> PiChallenge:
    """The verified challenge, or :class:`ChallengeRefused` (``challenge_malformed``,
    ``challenge_wrong_audience``, ``challenge_signature_invalid``,
    ``challenge_capabilities_invalid``, ``challenge_replayed``)."""
    device = account.pipush
    if device is None:  # pragma: no cover - callers pass privacyIDEA accounts
        raise NoPushAccount(f"{account.label} is not a privacyIDEA push account")
    fields = _text_fields(account, data)
    nonce = fields["nonce"]
    if fields["serial"] != device.serial:
        raise _refuse("challenge_wrong_audience", "for another token", account, nonce)
    server_key = signing.load_public_key_pem(device.server_public_key_pem)
    if not signing.verify(server_key, fields["signature"], signing.challenge_text(fields)):
        raise _refuse("challenge_signature_invalid", "signature", account, nonce)
    assert isinstance(data, dict)  # noqa: S101 - _text_fields refused anything else
    capabilities = _capabilities(account, data, nonce, server_key)
    if was_answered(account.id, nonce):
        raise _refuse("challenge_replayed", "already answered", account, nonce)
    presence = fields.get("require_presence")
    choices = tuple(presence.split(",")) if presence else ()
    if any(not c for c in choices):
        raise _refuse("challenge_malformed", "an empty presence option", account, nonce)
    return PiChallenge(
        account=account,
        nonce=nonce,
        serial=fields["serial"],
        title=fields["title"],
        question=fields["question"],
        url=fields["url"],
        choices=choices,
        capabilities=capabilities,
    )


def _chosen(challenge: PiChallenge, choice: str | None) -> str | None:
    if not challenge.choices:
        return None
    if choice is None or not choice.strip():
        raise NumberMissing(f"privacyIDEA asks to pick one of {', '.join(challenge.choices)}")
    wanted = choice.strip()
    for option in challenge.choices:
        if option == wanted or (
            option.isdigit() and wanted.isdigit() and int(option) == int(wanted)
        ):
            return option
    raise NumberNotOffered(f"{wanted} is not one of {', '.join(challenge.choices)}")


class PiPushService:
    """What the CLI verbs and the presenters call for privacyIDEA push tokens."""

    def __init__(
        self,
        vault: Vault,
        *,
        clock: Clock = system_clock,
        rng: RandomBytes = system_random,
        session_factory: Callable[[], requests.Session] = requests.Session,
        timeout: float = DEFAULT_TIMEOUT,
        key_bits: int = signing.DEVICE_KEY_BITS,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.vault = vault
        self.clock = clock
        self._rng = rng
        self._session_factory = session_factory
        self._timeout = timeout
        self._key_bits = key_bits
        self._monotonic = monotonic
        self._sleep = sleep
        self._clients: dict[str, PiPushClient] = {}

    # --- enrollment ---------------------------------------------------------------------------

    def enroll(self, uri: str, *, allow_insecure_http: bool = False) -> Account:
        """Both steps after the scan: make the RSA key here, register it with the one-time
        enrollment credential, pin the server key privacyIDEA returns, store the account."""
        offer = parse_pipush_uri(uri, allow_insecure_http=allow_insecure_http)
        key = signing.new_device_key(self._key_bits)
        server_key_b64 = register(
            self._session_factory(),
            url=offer.url,
            serial=offer.serial,
            enrollment_credential=offer.enrollment_credential,
            pubkey_b64=signing.device_public_key_b64(key),
            verify=offer.sslverify,
            timeout=max(self._timeout, REGISTER_TIMEOUT),
        )
        try:
            server_key = signing.load_server_key(server_key_b64)
        except ValueError as exc:
            raise IdpResponseInvalid(f"privacyIDEA: {exc}") from None
        now = self.clock()
        account = Account(
            id=new_identifier(self._rng),
            issuer=offer.issuer,
            name=offer.label,
            added_at=now,
            pipush=PiPushDevice(
                serial=offer.serial,
                url=offer.url,
                sslverify=offer.sslverify,
                private_key_pem=signing.private_key_pem(key),
                server_public_key_pem=signing.public_key_pem(server_key),
                poll_only=offer.poll_only,
                enrolled_at=now,
            ),
        )
        self.vault.add_account(account)
        return account

    # --- challenges ---------------------------------------------------------------------------

    def has_accounts(self) -> bool:
        return any(a.pipush is not None for a in self.vault.accounts)

    def accounts(self, query: str | None = None) -> list[Account]:
        """The privacyIDEA push accounts matching ``query`` (all without one)."""
        accounts = [a for a in self.vault.accounts if a.pipush is not None]
        if not accounts:
            raise NoPushAccount("the vault holds no privacyIDEA push account")
        found = find_accounts(accounts, query)
        if not found:
            raise AccountNotFound(f"no privacyIDEA push account matches {query!r}")
        return found

    def client(self, account: Account) -> PiPushClient:
        if account.pipush is None:
            raise NoPushAccount(f"{account.label} is not a privacyIDEA push account")
        client = self._clients.get(account.id)
        if client is None:
            client = PiPushClient(
                account.pipush,
                session=self._session_factory(),
                clock=self.clock,
                timeout=self._timeout,
            )
            self._clients[account.id] = client
        return client

    def poll(self, accounts: Sequence[Account]) -> PiPoll:
        """One signed poll per account; verified challenges and refused ones."""
        found = PiPoll()
        for account in accounts:
            for data in self.client(account).poll():
                try:
                    found.challenges.append(
                        verify_pi_challenge(account, data, was_answered=self.vault.was_answered)
                    )
                except ChallengeRefused as refusal:
                    found.refused.append(refusal)
        return found

    def wait_for_challenge(
        self,
        accounts: Sequence[Account],
        *,
        timeout: float,
        interval: float = DEFAULT_POLL_INTERVAL,
    ) -> tuple[PiChallenge | None, list[ChallengeRefused]]:
        """The newest verified challenge, polling every ``interval`` s for up to ``timeout`` s;
        also the refusals seen meanwhile (each nonce once)."""
        deadline = self._monotonic() + max(0.0, timeout)
        refused: dict[str | None, ChallengeRefused] = {}
        while True:
            polled = self.poll(accounts)
            for refusal in polled.refused:
                refused.setdefault(refusal.challenge_id, refusal)
            if polled.challenges:
                return polled.challenges[-1], list(refused.values())
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                return None, list(refused.values())
            self._sleep(min(interval, remaining))

    def approve(self, challenge: PiChallenge, *, choice: str | None = None) -> None:
        """Accept (with privacyIDEA's presence option under number matching). A wrong number
        raises :class:`PiAnswerRejected` and leaves the challenge open."""
        presence = _chosen(challenge, choice)
        if not self.client(challenge.account).answer(challenge.nonce, presence_answer=presence):
            raise PiAnswerRejected(f"challenge {challenge.nonce[:8]}... not accepted")
        self._remember(challenge, "approve", "accepted")

    def deny(self, challenge: PiChallenge, *, report: bool = False) -> None:
        """Decline; ``report`` ("it was not me") sends ``decline_reason=unknown_trigger`` when the
        server advertises the capability."""
        reason = "unknown_trigger" if report and challenge.decline_reason_supported else None
        if not self.client(challenge.account).decline(challenge.nonce, reason=reason):
            raise PiAnswerRejected(f"challenge {challenge.nonce[:8]}... not declined")
        self._remember(challenge, "report" if report else "deny", "declined")

    def _remember(
        self, challenge: PiChallenge, decision: Literal["approve", "deny", "report"], outcome: str
    ) -> None:
        now = self.clock()
        self.vault.record_answer(
            AnsweredChallenge(
                account_id=challenge.account.id,
                challenge_id=challenge.nonce[:64],
                decision=decision,
                outcome=outcome,
                answered_at=now,
                expires_at=now + _ANSWER_KEPT,
            ),
            now=now,
        )

    # --- watching -----------------------------------------------------------------------------

    def watch(
        self,
        accounts: Sequence[Account],
        emit: Callable[[PiWatchEvent], None],
        *,
        interval: float = DEFAULT_POLL_INTERVAL,
        stop: threading.Event | None = None,
    ) -> None:
        """Poll every ``interval`` s until ``stop`` is set; emit each challenge once when it
        arrives and when it is gone (answered elsewhere, expired), each refusal once, and each
        failed poll (then keep going)."""
        stop = stop or threading.Event()
        shown: dict[str, str] = {}  # nonce -> account id
        refused: set[str | None] = set()
        while not stop.is_set():
            current: set[str] = set()
            for account in accounts:
                try:
                    polled = self.poll([account])
                except AuthenticatorError as error:
                    emit(PiProblem(account.id, error))
                    current.update(n for n, a in shown.items() if a == account.id)
                    continue
                for challenge in polled.challenges:
                    current.add(challenge.nonce)
                    if challenge.nonce not in shown:
                        shown[challenge.nonce] = account.id
                        emit(PiArrived(challenge))
                for refusal in polled.refused:
                    if refusal.challenge_id not in refused:
                        refused.add(refusal.challenge_id)
                        emit(PiRefusedEvent(refusal))
            for nonce in [n for n in shown if n not in current]:
                emit(PiGone(shown.pop(nonce), nonce))
            stop.wait(interval)
