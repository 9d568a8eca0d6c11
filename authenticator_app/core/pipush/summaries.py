"""Stable, secret-free JSON views of privacyIDEA push accounts and challenges (``--json``).

The challenge id shown is a digest of privacyIDEA's nonce (the nonce itself is not printed, as for
this app's own challenges); what the user needs to decide is the question and the choices.
"""

from __future__ import annotations

import hashlib
from typing import Any

from authenticator_app.core.pipush.service import PiChallenge

__all__ = ["pi_challenge_id", "pi_challenge_line", "pi_challenge_summary"]


def pi_challenge_id(nonce: str) -> str:
    return "pi_" + hashlib.sha256(nonce.encode("ascii")).hexdigest()[:16]


def pi_challenge_summary(challenge: PiChallenge) -> dict[str, Any]:
    return {
        "event": "challenge",
        "protocol": "privacyidea",
        "challenge_id": pi_challenge_id(challenge.nonce),
        "account_id": challenge.account.id,
        "label": challenge.account.label,
        "serial": challenge.serial,
        "title": challenge.title,
        "question": challenge.question,
        "matching": {
            "mode": "choice" if challenge.choices else "none",
            "choices": list(challenge.choices) or None,
        },
        "decline_reason": challenge.decline_reason_supported,
    }


def pi_challenge_line(challenge: PiChallenge) -> str:
    view = pi_challenge_summary(challenge)
    choices = view["matching"]["choices"]
    matching = f"choose one of {','.join(choices)}" if choices else "matching none"
    return (
        f"{view['challenge_id']}  {view['label']}  privacyIDEA {view['serial']}"
        f"  {view['question']!r}  {matching}"
    )
