"""The device's side of a push transaction, kept for ``authenticator trace CHALLENGE_ID``.

A JSON-lines file next to the vault (``<vault>.trace.jsonl``, mode 0600), bounded to
:data:`MAX_ENTRIES` lines (the oldest go first). Each line says what the app received (from the
event stream or ``pending``), which pinned key verified it or why it was refused, what it
signed (decoded, with the device key's RFC 7638 thumbprint), what the IdP answered, and the
retries it made. It holds no secret: no private key, PIN, TOTP seed nor compact token; it does
hold what a challenge shows the user (service, approximate place, the numbers offered).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from authenticator_app.core.accounts import Account
from authenticator_app.core.atomic_file import FILE_MODE, atomic_write, file_lock
from authenticator_app.core.clock import Clock, system_clock
from authenticator_app.core.errors import VaultError
from shared.errors import ProtocolError
from shared.jws import peek_header, unverified_claims
from shared.keys import jwk_thumbprint

__all__ = [
    "MAX_ENTRIES",
    "TraceLog",
    "TraceObserver",
    "describe_token",
    "trace_log_path",
]

MAX_ENTRIES: Final = 500
# What a line may keep of a challenge's or a decision's claims.
_CLAIMS: Final = (
    "challenge_id",
    "purpose",
    "matching",
    "context",
    "iat",
    "exp",
    "iss",
    "aud",
    "decision",
    "number",
    "jti",
)

TraceObserver = Callable[..., None]
"""``observer(event, *, account_id, challenge_id, **data)``."""


def trace_log_path(vault_path: Path) -> Path:
    return vault_path.with_name(vault_path.name + ".trace.jsonl")


def describe_token(token: str, account: Account | None) -> dict[str, Any]:
    """A token's header, the claims worth keeping, and the thumbprint of the pinned key its
    ``kid`` names (None when the pinned JWKS has no such key). UNVERIFIED: a description."""
    try:
        header = peek_header(token)
        claims = unverified_claims(token)
    except ProtocolError as exc:
        return {"malformed": exc.code}
    kid = header.get("kid")
    pinned = None
    if account is not None and account.push is not None and isinstance(kid, str):
        for jwk in account.push.jwks.as_dict().get("keys", []):
            if jwk.get("kid") == kid:
                pinned = jwk_thumbprint(jwk)
    return {
        "header": {k: header.get(k) for k in ("alg", "kid", "typ") if k in header},
        "claims": {k: claims[k] for k in _CLAIMS if k in claims},
        "pinned_key_thumbprint": pinned,
    }


class TraceLog:
    def __init__(
        self, path: Path, *, clock: Clock = system_clock, max_entries: int = MAX_ENTRIES
    ) -> None:
        self.path = path
        self._clock = clock
        self._max = max_entries

    def record(
        self, event: str, *, account_id: str | None, challenge_id: str | None, **data: Any
    ) -> None:
        """Append one line (never fails the push action it observes: a full disk or a busy
        lock loses the line)."""
        line = json.dumps(
            {
                "at": self._clock().isoformat(),
                "event": event,
                "account_id": account_id,
                "challenge_id": challenge_id,
                **data,
            },
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        try:
            with file_lock(self.path, timeout=2.0):
                self._append(line)
        except (OSError, VaultError):
            return

    def _append(self, line: str) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        lines = self.path.read_text(encoding="utf-8").splitlines()
        if len(lines) > self._max:
            atomic_write(self.path, ("\n".join(lines[-self._max :]) + "\n").encode())

    def transaction(self, challenge_id: str) -> list[dict[str, Any]]:
        """A challenge's lines, with the lines tied to no challenge (a retried ``pending``)
        written between its first and its last."""
        every = self.entries()
        own = [i for i, e in enumerate(every) if e.get("challenge_id") == challenge_id]
        if not own:
            return []
        return [
            e for e in every[own[0] : own[-1] + 1] if e.get("challenge_id") in (challenge_id, None)
        ]

    def entries(self, challenge_id: str | None = None) -> list[dict[str, Any]]:
        """The kept lines, oldest first (of one challenge, if given); damaged lines skipped."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:  # none yet, or unreadable: nothing to show
            return []
        out = []
        for raw in text.splitlines():
            try:
                entry = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, Mapping) and (
                challenge_id is None or entry.get("challenge_id") == challenge_id
            ):
                out.append(dict(entry))
        return out
