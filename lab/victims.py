"""Simulated push victims: how a user answers prompts they did not ask for.

- ``attentive``: never approves; reports each prompt ("Non, ce n'est pas moi").
- ``annoyed:K``: reports the first K-1 prompts of an attack, approves from the K-th on.
- ``random:P``: approves each prompt with probability P, else reports.
- ``distracted``: approves every prompt.

An approving victim does not know the number (it is on the attacker's screen): in ``typed``
mode it types a random two-digit number (10-99), in ``choose`` it taps one of the three
offered at random, in ``none`` there is nothing to match. Randomness comes from ``rng``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from shared.messages import PushChallenge

__all__ = ["Answer", "UserModel", "parse_user_model"]

DEFAULT_ANNOYED_AFTER = 3
DEFAULT_RANDOM_P = 0.1


@dataclass(frozen=True, slots=True)
class Answer:
    decision: Literal["approve", "report"]
    number: int | None = None


@dataclass(frozen=True, slots=True)
class UserModel:
    kind: Literal["attentive", "annoyed", "random", "distracted"]
    k: int = DEFAULT_ANNOYED_AFTER
    p: float = DEFAULT_RANDOM_P

    @property
    def name(self) -> str:
        if self.kind == "annoyed":
            return f"annoyed:{self.k}"
        if self.kind == "random":
            return f"random:{self.p:g}"
        return self.kind

    def approves(self, prompt: int, rng: random.Random) -> bool:
        """Whether the ``prompt``-th prompt of an attack (from 1) is approved."""
        if self.kind == "attentive":
            return False
        if self.kind == "annoyed":
            return prompt >= self.k
        if self.kind == "random":
            return rng.random() < self.p
        return True

    def answer(self, prompt: int, challenge: PushChallenge, rng: random.Random) -> Answer:
        if not self.approves(prompt, rng):
            return Answer("report")
        mode = challenge.matching.mode
        if mode == "typed":
            return Answer("approve", rng.randint(10, 99))
        if mode == "choose":
            return Answer("approve", rng.choice(list(challenge.matching.choices or [])))
        return Answer("approve")


def parse_user_model(text: str) -> UserModel:
    """``attentive``, ``annoyed[:K]``, ``random[:P]`` or ``distracted`` (ValueError else)."""
    kind, _, arg = text.strip().partition(":")
    if kind in {"attentive", "distracted"} and not arg:
        return UserModel(kind)  # type: ignore[arg-type]
    if kind == "annoyed":
        k = int(arg) if arg else DEFAULT_ANNOYED_AFTER
        if not 1 <= k <= 1000:
            raise ValueError("annoyed:K needs 1 <= K <= 1000")
        return UserModel("annoyed", k=k)
    if kind == "random":
        p = float(arg) if arg else DEFAULT_RANDOM_P
        if not 0.0 <= p <= 1.0:
            raise ValueError("random:P needs 0 <= P <= 1")
        return UserModel("random", p=p)
    raise ValueError(
        f"unknown user model {text!r}: attentive, annoyed[:K], random[:P] or distracted"
    )
