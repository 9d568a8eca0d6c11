"""The user's answer to a challenge, checked against its matching mode before it is signed.

- ``approve`` in ``typed`` mode needs the number the browser shows (0-99; the device never
  knows the right one: the IdP decides, and a wrong number fails the challenge);
- ``approve`` in ``choose`` mode needs one of the three offered numbers;
- ``approve`` in ``none`` mode sends no number (one given is ignored);
- ``deny`` and ``report`` never carry a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from authenticator_app.core.errors import NumberInvalid, NumberMissing, NumberNotOffered
from shared.messages import PushChallenge
from shared.messages.decision import Decision

__all__ = ["EXPECTED_STATUS", "Decision", "DecisionOutcome", "decision_number"]

EXPECTED_STATUS: Final[dict[Decision, str]] = {
    "approve": "approved",
    "deny": "denied",
    "report": "reported",
}


def decision_number(challenge: PushChallenge, decision: Decision, number: int | None) -> int | None:
    """The number to sign into the decision (see the module docstring), or an input error."""
    if decision != "approve":
        return None
    mode = challenge.matching.mode
    if mode == "none":
        return None
    if number is None:
        raise NumberMissing(f"matching mode {mode} needs the number")
    if isinstance(number, bool) or not 0 <= number <= 99:
        raise NumberInvalid(f"{number} is not between 0 and 99")
    if mode == "choose" and number not in (challenge.matching.choices or []):
        raise NumberNotOffered(f"{number} is not one of {challenge.matching.choices}")
    return number


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """What the IdP recorded for an answer (a refusal is raised as a typed error instead)."""

    challenge_id: str
    decision: Decision
    status: Literal["approved", "denied", "reported"]

    @property
    def succeeded(self) -> bool:
        """The IdP recorded exactly what was asked (``approve`` -> ``approved``...)."""
        return self.status == EXPECTED_STATUS[self.decision]
