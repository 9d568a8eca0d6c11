"""What an attacker must get through to reach each goal, read from a realm's preset.

A journey is an ordered list of gates; a gate offers options (any one gets through), each
option being a move that needs a set of capabilities. The recovery journey comes from the
realm's steps and their declared requirements (``Step.requirement``); the others mirror the
code that runs them, named next to each:

- sign in: ``idp.auth.completion`` (password, then the second factor of
  ``idp.mfa.service.second_factor_methods``: push, a TOTP code, or a recovery code);
- rebind the second factor: ``idp.securityinfo.views.add_device`` (signed in, and the current
  password again);
- change a recovery contact: ``idp.securityinfo.views.email`` / ``secret_question`` (same);
- activate a pre-provisioned account (CAS realms, Sésame « Activer mon compte »:
  ``idp.sesame.views.activation``): the same identification as the recovery step, then the
  joker question and a password of the attacker's choosing. It is about another account
  state (not activated yet), so it grants nothing to the other journeys.

The victim is assumed to have enrolled a device where the realm uses push: that is the account
the second factor protects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence, Requirement
from idp.recovery.steps import STEPS, Step

__all__ = ["Gate", "Goal", "Journey", "Option", "journeys"]


class Goal(StrEnum):
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a goal's name
    SIGN_IN = "sign_in"
    REBIND_SECOND_FACTOR = "rebind_second_factor"
    CHANGE_RECOVERY = "change_recovery"
    ACTIVATE_ACCOUNT = "activate_account"


@dataclass(frozen=True)
class Option:
    move: str  # a recovery step name, or a move of the other journeys (see MOVES)
    needs: frozenset[Capability]
    evidence: Evidence = Evidence.NONE


@dataclass(frozen=True)
class Gate:
    options: tuple[Option, ...]

    @property
    def name(self) -> str:
        return self.options[0].move if self.options else "impossible"


@dataclass(frozen=True)
class Journey:
    goal: Goal
    gates: tuple[Gate, ...]
    grants: frozenset[Capability]


C = Capability


def _gate(move: str, requirement: Requirement) -> list[Option]:
    return [Option(move, alt, requirement.evidence) for alt in requirement.alternatives]


def recovery_gates(preset: RealmPreset, steps: Mapping[str, Step] = STEPS) -> tuple[Gate, ...]:
    """One gate per step of the flow; a step with alternatives offers theirs too."""
    recovery = preset.recovery
    gates: list[Gate] = []
    if recovery.entry == "change_password":
        # The flow starts from the change-password page with the account already named.
        gates.append(Gate((Option("entry_change_password", frozenset({C.IDENTIFIER})),)))
    for name in recovery.steps:
        options = _gate(name, steps[name].requirement(preset))
        for alternative in recovery.alternatives.get(name, []):
            options += _gate(alternative, steps[alternative].requirement(preset))
        gates.append(Gate(tuple(options)))
    return tuple(gates)


def second_factor_at_sign_in(preset: RealmPreset) -> bool:
    return preset.push.enabled and preset.push.sign_in_second_factor


def sign_in_gates(preset: RealmPreset) -> tuple[Gate, ...]:
    gates = [Gate((Option("sign_in_password", frozenset({C.IDENTIFIER, C.PASSWORD})),))]
    if second_factor_at_sign_in(preset):
        options = []
        if preset.totp.sign_in != "totp_only":
            options.append(Option("sign_in_push", frozenset({C.PHONE}), Evidence.PUSH))
        if preset.push.offer_totp:
            options.append(Option("sign_in_totp", frozenset({C.PHONE}), Evidence.OTP))
        elif preset.totp.sign_in == "totp_only":  # no seed: push is the fallback
            options.append(Option("sign_in_push", frozenset({C.PHONE}), Evidence.PUSH))
        options.append(
            Option("sign_in_recovery_code", frozenset({C.RECOVERY_CODE}), Evidence.LOOKUP_SECRET)
        )
        gates.append(Gate(tuple(options)))
    return tuple(gates)


def _signed_in_with_password(move: str) -> tuple[Gate, ...]:
    return (
        Gate((Option("session", frozenset({C.SESSION})),)),
        Gate((Option("confirm_password", frozenset({C.PASSWORD})),)),
        Gate((Option(move, frozenset()),)),
    )


def journeys(preset: RealmPreset, steps: Mapping[str, Step] = STEPS) -> dict[Goal, Journey]:
    """The journeys that exist in this realm (no rebinding where there is no second factor)."""
    found = {
        Goal.RESET_PASSWORD: Journey(
            Goal.RESET_PASSWORD, recovery_gates(preset, steps), frozenset({C.PASSWORD})
        ),
        Goal.SIGN_IN: Journey(Goal.SIGN_IN, sign_in_gates(preset), frozenset({C.SESSION})),
    }
    if preset.push.enabled:
        found[Goal.REBIND_SECOND_FACTOR] = Journey(
            Goal.REBIND_SECOND_FACTOR, _signed_in_with_password("add_device"), frozenset({C.PHONE})
        )
    # Security info lets a signed-in user change the address codes and links go to, and the
    # joker question where the realm's recovery asks it: the attacker then owns recovery.
    grants = {C.MAILBOX, C.EMAIL_ADDRESS}
    move = "change_email"
    if "verify_secret_question" in preset.recovery.steps:
        grants.add(C.SECRET_ANSWER)
        move = "change_email_and_secret_question"
    found[Goal.CHANGE_RECOVERY] = Journey(
        Goal.CHANGE_RECOVERY, _signed_in_with_password(move), frozenset(grants)
    )
    if preset.login.variant == "cas":  # Sésame exists only there (idp.sesame.views)
        identify = steps["identify_by_number_and_birth_date"].requirement(preset)
        found[Goal.ACTIVATE_ACCOUNT] = Journey(
            Goal.ACTIVATE_ACCOUNT,
            (
                Gate(tuple(_gate("sesame_activation", identify))),
                Gate((Option("activation_setup", frozenset()),)),
            ),
            frozenset(),
        )
    return found
