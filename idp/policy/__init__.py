"""Password policy: one pure function returning every violated rule.

Import the French/English messages from ``idp.policy.messages`` (it needs Flask-Babel);
everything here is plain Python.
"""

from idp.policy.expiry import expires_at, is_expired
from idp.policy.history import HashVerifier, verify_argon2
from idp.policy.model import ABSOLUTE_MAX_LENGTH, PasswordPolicy
from idp.policy.rules import RuleCode, RuleDescription, RuleOutcome, evaluate, explain, rules_for
from idp.policy.strength import is_common, strength_score
from idp.policy.violations import Violation, ViolationCode

__all__ = [
    "ABSOLUTE_MAX_LENGTH",
    "HashVerifier",
    "PasswordPolicy",
    "RuleCode",
    "RuleDescription",
    "RuleOutcome",
    "Violation",
    "ViolationCode",
    "evaluate",
    "expires_at",
    "explain",
    "is_common",
    "is_expired",
    "rules_for",
    "strength_score",
    "verify_argon2",
]
