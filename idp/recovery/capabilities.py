"""What a recovery step asks of the person running it, as attacker capabilities.

Each step kind declares its ``Requirement`` (``Step.requirement(preset)``): the sets of
capabilities any one of which gets through it, and the kind of evidence it checks. The
recovery-policy analyzer (``idp.analysis``) reads these declarations instead of keeping its own
table per realm, so a new step kind is analysed as soon as it declares what it needs.

This module is pure (no Flask): the analyzer and its tests use it without an application.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Capability", "Evidence", "Requirement"]


class Capability(StrEnum):
    """Something an attacker has or knows about the victim's account."""

    # The account's login. Not a secret (NIST SP 800-63B treats it as public): every attacker
    # set of the analyzer starts with it.
    IDENTIFIER = "identifier"
    EMAIL_ADDRESS = "email_address"
    # Reads the mail sent to the account's address (implies EMAIL_ADDRESS).
    MAILBOX = "mailbox"
    # The enrolled phone, unlocked, with the authenticator app (approves pushes, shows codes).
    PHONE = "phone"
    PASSWORD = "password"  # noqa: S105 - a capability name; the current password
    OLD_PASSWORD = "old_password"  # noqa: S105 - a password the account no longer accepts
    NAME = "name"  # first and last name
    BIRTH_DATE = "birth_date"
    STUDENT_NUMBER = "student_number"  # student number or INE
    STAFF_NUMBER = "staff_number"
    # Organisation type, country, user category: what a colleague or a profile page tells.
    ORGANISATION = "organisation"
    SECRET_ANSWER = "secret_answer"  # noqa: S105 - the answer to the joker question
    RECOVERY_CODE = "recovery_code"  # one of the printed single-use recovery codes
    # A signed-in browser session (with the second factor where the realm asks for one): no
    # attacker starts with it; the analyzer grants it after a successful sign-in.
    SESSION = "session"


class Evidence(StrEnum):
    """What a step checks, in the terms of NIST SP 800-63B (used by the standards checks)."""

    NONE = "none"  # a form to fill in, a choice, a confirmation
    ANTI_AUTOMATION = "anti_automation"  # a captcha: slows robots, proves nothing
    IDENTIFICATION = "identification"  # says which account; not an authenticator
    PERSONAL_DATA = "personal_data"  # knowledge of personal data checked as a proof
    KBA = "kba"  # a knowledge-based (secret) question
    EMAIL = "email"  # a code or link sent by email
    SMS = "sms"  # a code sent by SMS (PSTN: "restricted")
    PUSH = "push"  # an approval in the enrolled app (out-of-band device)
    OTP = "otp"  # a TOTP code from the enrolled app
    LOOKUP_SECRET = "lookup_secret"  # noqa: S105 - a printed recovery code

    @property
    def is_authenticator(self) -> bool:
        """Evidence NIST SP 800-63B accepts as an authenticator (sec. 5.1)."""
        return self in {Evidence.PUSH, Evidence.OTP, Evidence.LOOKUP_SECRET}


@dataclass(frozen=True)
class Requirement:
    """Any one of ``alternatives`` (each a set of capabilities) gets through the step.

    ``Requirement.nothing()`` (one empty alternative) lets everyone through.
    """

    alternatives: tuple[frozenset[Capability], ...]
    evidence: Evidence = Evidence.NONE

    @classmethod
    def nothing(cls, evidence: Evidence = Evidence.NONE) -> Requirement:
        return cls((frozenset(),), evidence)

    @classmethod
    def all_of(cls, capabilities: Iterable[Capability], evidence: Evidence) -> Requirement:
        return cls((frozenset(capabilities),), evidence)

    @classmethod
    def any_of(
        cls, alternatives: Iterable[Iterable[Capability]], evidence: Evidence
    ) -> Requirement:
        unique: list[frozenset[Capability]] = []
        for alternative in alternatives:
            frozen = frozenset(alternative)
            if frozen not in unique:
                unique.append(frozen)
        return cls(tuple(unique), evidence)

    def met_by(self, capabilities: Iterable[Capability]) -> frozenset[Capability] | None:
        """The first alternative ``capabilities`` satisfy, or None."""
        held = frozenset(capabilities)
        for alternative in self.alternatives:
            if alternative <= held:
                return alternative
        return None

    @property
    def is_free(self) -> bool:
        return any(not alternative for alternative in self.alternatives)
