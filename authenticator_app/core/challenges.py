"""Push challenges: verify each one, and keep the set the user may answer (the inbox).

:func:`verify_challenge` accepts a challenge only when :func:`shared.jws.verify` does, against the
realm JWKS **pinned at enrollment** (never one fetched later), with ``aud`` = this device's id,
``iss`` = the realm URL, and the injected clock; and when its realm is the account's. Each
failure is a :class:`ChallengeRefused` whose code names it (``challenge_unsigned``,
``challenge_signature_invalid``, ``challenge_unknown_key``, ``challenge_expired``,
``challenge_wrong_audience``...); ``cause`` keeps the protocol code.

:class:`ChallengeInbox` then refuses replays (ids already answered, per the vault) and
superseded challenges, and keeps one current challenge per (account, user, purpose): when a newer
one arrives (later ``exp``, then later arrival) the older is dropped, as the IdP does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Final, Literal

from authenticator_app.core.accounts import Account
from authenticator_app.core.errors import ChallengeRefused
from authenticator_app.core.trace_log import TraceObserver, describe_token
from shared.errors import ProtocolError
from shared.jws import unverified_claims, verify
from shared.messages import PushChallenge

__all__ = [
    "REFUSAL_CODES",
    "ChallengeInbox",
    "DropReason",
    "Dropped",
    "InboxChanges",
    "PendingChallenge",
    "verify_challenge",
]

DropReason = Literal["superseded", "decided", "expired", "gone", "answered"]

# shared.errors code -> the code this app reports for a refused challenge.
REFUSAL_CODES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "algorithm_not_allowed": "challenge_unsigned",
        "signature_invalid": "challenge_signature_invalid",
        "unknown_key": "challenge_unknown_key",
        "message_expired": "challenge_expired",
        "message_not_yet_valid": "challenge_not_yet_valid",
        "audience_invalid": "challenge_wrong_audience",
        "issuer_invalid": "challenge_wrong_issuer",
        "unsupported_version": "challenge_version_unsupported",
    }
)


def _claimed_id(token: str) -> str | None:
    """The challenge id a token claims, UNVERIFIED: only to name a refusal in reports."""
    try:
        value = unverified_claims(token).get("challenge_id")
    except ProtocolError:
        return None
    return value[:64] if isinstance(value, str) else None


def verify_challenge(token: str, account: Account, *, now: datetime) -> PushChallenge:
    """The verified challenge, or :class:`ChallengeRefused` (see the module docstring)."""
    device = account.push
    if device is None:
        raise ChallengeRefused("not a push account", account_id=account.id)
    try:
        challenge = verify(
            token,
            keys=device.jwks,
            model=PushChallenge,
            audience=device.device_id,
            issuer=device.realm_url,
            now=now,
        )
    except ProtocolError as exc:
        raise ChallengeRefused(
            exc.detail,
            code=REFUSAL_CODES.get(exc.code, "challenge_malformed"),
            challenge_id=_claimed_id(token),
            account_id=account.id,
            cause=exc.code,
        ) from None
    if challenge.realm != device.realm:
        raise ChallengeRefused(
            f"challenge for realm {challenge.realm!r}",
            code="challenge_wrong_issuer",
            challenge_id=challenge.challenge_id,
            account_id=account.id,
        )
    return challenge


@dataclass(frozen=True, slots=True)
class PendingChallenge:
    """A verified challenge the user may answer, with the account it came for."""

    account: Account
    challenge: PushChallenge
    token: str
    sequence: int
    """Arrival order in this inbox (ties between equal ``exp``)."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.account.id, self.challenge.challenge_id)

    @property
    def group(self) -> tuple[str, str, str]:
        """What supersedes what: same account, same user, same purpose."""
        return (self.account.id, self.challenge.user, self.challenge.purpose)

    @property
    def rank(self) -> tuple[int, int]:
        return (self.challenge.exp, self.sequence)


@dataclass(frozen=True, slots=True)
class Dropped:
    account_id: str
    challenge_id: str
    reason: DropReason


@dataclass(slots=True)
class InboxChanges:
    added: list[PendingChallenge] = field(default_factory=list)
    refused: list[ChallengeRefused] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)

    def extend(self, other: InboxChanges) -> None:
        self.added += other.added
        self.refused += other.refused
        self.dropped += other.dropped


class ChallengeInbox:
    """The challenges awaiting an answer, across accounts. Not thread-safe: one owner."""

    def __init__(
        self,
        *,
        was_answered: Callable[[str, str], bool],
        observer: TraceObserver | None = None,
    ) -> None:
        self._was_answered = was_answered
        # The trace log (authenticator_app.core.trace_log): told what was received and how
        # it was judged, once per challenge and source.
        self._observer = observer
        self._pending: dict[tuple[str, str], PendingChallenge] = {}
        self._dropped: dict[tuple[str, str], DropReason] = {}
        self._reported: set[tuple[str, str, str]] = set()
        self._sequence = 0

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def pending(self) -> list[PendingChallenge]:
        """Oldest first."""
        return sorted(self._pending.values(), key=lambda p: p.rank)

    def latest(self, account_id: str | None = None) -> PendingChallenge | None:
        """The newest pending challenge (of one account, if given)."""
        candidates = [p for p in self.pending if account_id in (None, p.account.id)]
        return candidates[-1] if candidates else None

    def ingest(
        self,
        account: Account,
        tokens: Sequence[str],
        *,
        now: datetime,
        complete: bool = True,
        source: str = "pending",
    ) -> InboxChanges:
        """Verify and add ``tokens`` (the IdP's pending list, oldest first, for ``account``).

        With ``complete``, the list is the whole truth: challenges of this account that are
        no longer listed are dropped (``gone``: decided elsewhere or withdrawn). Each refusal is
        reported once per inbox (a pending list is fetched again and again).
        """
        changes = InboxChanges()
        listed: set[tuple[str, str]] = set()
        for token in tokens:
            try:
                pending = self._accept(account, token, now=now)
            except ChallengeRefused as refusal:
                if (account.id, refusal.code, token) not in self._reported:
                    self._reported.add((account.id, refusal.code, token))
                    changes.refused.append(refusal)
                    self._observe(
                        "refused",
                        account,
                        refusal.challenge_id,
                        token,
                        source,
                        code=refusal.code,
                        # Replays and superseded ids are refused after the signature verified.
                        signature_verified=refusal.cause is None,
                    )
                continue
            listed.add(pending.key)
            if pending.key in self._pending:
                if source != "pending":  # a list is fetched again and again; an event is not
                    self._observe(
                        "ignored_duplicate",
                        account,
                        pending.key[1],
                        token,
                        source,
                        signature_verified=True,
                    )
                continue
            self._pending[pending.key] = pending
            changes.added.append(pending)
            self._observe(
                "accepted", account, pending.key[1], token, source, signature_verified=True
            )
        self._supersede(changes)
        if complete:
            for key, pending in list(self._pending.items()):
                if pending.account.id == account.id and key not in listed:
                    changes.dropped.append(self._drop(key, "gone"))
        return changes

    def _observe(
        self,
        event: str,
        account: Account,
        challenge_id: str | None,
        token: str,
        source: str,
        **extra: object,
    ) -> None:
        if self._observer is None:
            return
        self._observer(
            event,
            account_id=account.id,
            challenge_id=challenge_id,
            source=source,
            **describe_token(token, account),
            **extra,
        )

    def _accept(self, account: Account, token: str, *, now: datetime) -> PendingChallenge:
        challenge = verify_challenge(token, account, now=now)
        key = (account.id, challenge.challenge_id)
        if self._was_answered(*key):
            raise ChallengeRefused(
                "this challenge id was already answered",
                code="challenge_replayed",
                challenge_id=challenge.challenge_id,
                account_id=account.id,
            )
        if self._dropped.get(key) == "superseded":
            raise ChallengeRefused(
                "a newer challenge replaced this one",
                code="challenge_superseded",
                challenge_id=challenge.challenge_id,
                account_id=account.id,
            )
        existing = self._pending.get(key)
        if existing is not None:
            return existing
        self._sequence += 1
        return PendingChallenge(account, challenge, token, self._sequence)

    def _supersede(self, changes: InboxChanges) -> None:
        newest: dict[tuple[str, str, str], PendingChallenge] = {}
        for pending in self._pending.values():
            best = newest.get(pending.group)
            if best is None or pending.rank > best.rank:
                newest[pending.group] = pending
        for key, pending in list(self._pending.items()):
            if newest[pending.group] is not pending:
                dropped = self._drop(key, "superseded")
                if pending in changes.added:
                    changes.added.remove(pending)
                    changes.refused.append(
                        ChallengeRefused(
                            "a newer challenge replaced this one",
                            code="challenge_superseded",
                            challenge_id=dropped.challenge_id,
                            account_id=dropped.account_id,
                        )
                    )
                else:
                    changes.dropped.append(dropped)

    def _drop(self, key: tuple[str, str], reason: DropReason) -> Dropped:
        self._pending.pop(key, None)
        self._dropped[key] = reason
        return Dropped(account_id=key[0], challenge_id=key[1], reason=reason)

    def drop(self, account_id: str, challenge_id: str, reason: DropReason) -> Dropped | None:
        """Drop a challenge (a ``superseded``/``decided``/``expired`` hint, or an answer).

        Returns what was dropped, or None when it was not pending (the reason is still
        remembered: a superseded id listed again later is refused)."""
        key = (account_id, challenge_id)
        if key not in self._pending:
            self._dropped.setdefault(key, reason)
            return None
        return self._drop(key, reason)

    def expire(self, now: datetime) -> list[Dropped]:
        """Drop the challenges whose ``exp`` has passed."""
        moment = now.timestamp()
        return [
            self._drop(key, "expired")
            for key, pending in list(self._pending.items())
            if pending.challenge.exp <= moment
        ]
