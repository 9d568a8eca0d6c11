"""The password policy as one pure function, plus the rule list shown before typing.

``evaluate`` is the single source of truth used by the forms, the headless API and the
``idp policy explain`` tooling: it returns every rule the candidate breaks, never just the
first one, so the user can fix everything in one go.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from idp.policy.characters import display_character, profile
from idp.policy.history import HashVerifier, is_reused
from idp.policy.model import ABSOLUTE_MAX_LENGTH, PasswordPolicy
from idp.policy.strength import is_common, strength_score
from idp.policy.violations import Violation, ViolationCode

__all__ = ["RuleCode", "RuleDescription", "RuleOutcome", "evaluate", "explain", "rules_for"]

# Logins and names shorter than this are not searched for inside a password: "Li" or "Ng"
# would forbid half of all passwords without protecting anything.
_MIN_SEARCHED_LENGTH = 3
_NAME_SEPARATORS = re.compile(r"[\s'’\-]+")


class RuleCode(StrEnum):
    LENGTH = "length"
    LOWER = "lower"
    UPPER = "upper"
    DIGIT = "digit"
    SPECIAL = "special"
    NO_SPACE = "no_space"
    NO_LOGIN = "no_login"
    NO_NAMES = "no_names"
    HISTORY = "history"
    NOT_COMMON = "not_common"
    MIN_STRENGTH = "min_strength"
    MAX_AGE = "max_age"
    # Only appears in ``explain`` results, for invisible characters refused by every realm.
    ALLOWED_CHARACTERS = "allowed_characters"


@dataclass(frozen=True)
class RuleDescription:
    """A rule as listed to the user; ``violations`` are the codes that break it."""

    code: RuleCode
    params: dict[str, Any] = field(default_factory=dict)
    violations: tuple[ViolationCode, ...] = ()


@dataclass(frozen=True)
class RuleOutcome:
    rule: RuleDescription
    violations: tuple[Violation, ...]

    @property
    def passed(self) -> bool:
        return not self.violations


def _fold(text: str) -> str:
    """Case- and accent-insensitive form used for login and name matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _length_params(policy: PasswordPolicy) -> dict[str, Any]:
    params: dict[str, Any] = {"min": policy.min_length}
    if policy.max_length is not None:
        params["max"] = policy.max_length
    return params


def _login_candidates(login: str) -> set[str]:
    candidates = {login}
    local, at, _domain = login.partition("@")
    if at:
        candidates.add(local)
    return {_fold(c) for c in candidates if len(c) >= _MIN_SEARCHED_LENGTH}


def _name_candidates(names: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for name in names:
        parts = [name, *_NAME_SEPARATORS.split(name)]
        found.update(_fold(p.strip()) for p in parts if len(p.strip()) >= _MIN_SEARCHED_LENGTH)
    return found


def evaluate(
    password: str,
    policy: PasswordPolicy,
    *,
    login: str | None = None,
    names: Sequence[str] = (),
    previous_hashes: Sequence[str] = (),
    verify_hash: HashVerifier | None = None,
) -> list[Violation]:
    """Every rule of ``policy`` that ``password`` breaks, in the order of ``rules_for``.

    ``previous_hashes`` are the stored hashes of the user's passwords, newest first, the
    current one included; only the ``policy.history`` newest are compared, with
    ``verify_hash(stored_hash, password)`` (argon2 by default). That is the one costly step:
    call this from a worker thread, not from the event loop.

    The password is evaluated in Unicode NFC (as RFC 8265's OpaqueString profile does), so a
    decomposed "é" is one letter; callers should hash that same NFC form.
    """
    password = unicodedata.normalize("NFC", password)
    return [
        *_length_violations(password, policy),
        *_character_violations(password, policy),
        *_personal_violations(password, policy, login, names),
        *_history_violations(password, policy, previous_hashes, verify_hash),
        *_guessability_violations(password, policy, [login or "", *names]),
    ]


def _length_violations(password: str, policy: PasswordPolicy) -> list[Violation]:
    found: list[Violation] = []
    if len(password) < policy.min_length:
        found.append(Violation(ViolationCode.TOO_SHORT, _length_params(policy)))
    if len(password) > policy.effective_max_length:
        params = _length_params(policy) if policy.max_length else {"max": ABSOLUTE_MAX_LENGTH}
        found.append(Violation(ViolationCode.TOO_LONG, params))
    return found


def _character_violations(password: str, policy: PasswordPolicy) -> list[Violation]:
    chars = profile(password, policy.special_chars)
    found = [
        Violation(code)
        for required, present, code in (
            (policy.require_lower, chars.has_lower, ViolationCode.MISSING_LOWER),
            (policy.require_upper, chars.has_upper, ViolationCode.MISSING_UPPER),
            (policy.require_digit, chars.has_digit, ViolationCode.MISSING_DIGIT),
        )
        if required and not present
    ]
    if policy.require_special and not chars.has_special:
        found.append(Violation(ViolationCode.MISSING_SPECIAL, _special_params(policy)))
    if chars.forbidden:
        shown = sorted(display_character(c) for c in chars.forbidden)
        found.append(Violation(ViolationCode.FORBIDDEN_CHARACTER, {"characters": shown}))
    if chars.has_space and not policy.allow_spaces:
        found.append(Violation(ViolationCode.CONTAINS_SPACE))
    return found


def _personal_violations(
    password: str, policy: PasswordPolicy, login: str | None, names: Sequence[str]
) -> list[Violation]:
    found: list[Violation] = []
    folded = _fold(password)
    if policy.forbid_login and login and any(c in folded for c in _login_candidates(login)):
        found.append(Violation(ViolationCode.CONTAINS_LOGIN))
    if policy.forbid_names and any(n in folded for n in _name_candidates(names)):
        found.append(Violation(ViolationCode.CONTAINS_NAME))
    return found


def _history_violations(
    password: str,
    policy: PasswordPolicy,
    previous_hashes: Sequence[str],
    verify_hash: HashVerifier | None,
) -> list[Violation]:
    if not (policy.history and previous_hashes):
        return []
    if is_reused(password, previous_hashes, policy.history, verify_hash):
        return [Violation(ViolationCode.REUSED, {"count": policy.history})]
    return []


def _guessability_violations(
    password: str, policy: PasswordPolicy, user_inputs: Sequence[str]
) -> list[Violation]:
    found: list[Violation] = []
    if policy.forbid_common and is_common(password):
        found.append(Violation(ViolationCode.COMMON))
    if policy.min_zxcvbn_score is not None:
        score = strength_score(password, user_inputs)
        if score < policy.min_zxcvbn_score:
            params = {"score": score, "min_score": policy.min_zxcvbn_score}
            found.append(Violation(ViolationCode.TOO_WEAK, params))
    return found


def _special_params(policy: PasswordPolicy) -> dict[str, Any]:
    return {"characters": list(policy.special_chars)} if policy.special_chars else {}


def rules_for(policy: PasswordPolicy) -> list[RuleDescription]:
    """The rules of ``policy`` in display order, to show before the user types."""
    v = ViolationCode
    rules = [RuleDescription(RuleCode.LENGTH, _length_params(policy), (v.TOO_SHORT, v.TOO_LONG))]
    if policy.require_lower:
        rules.append(RuleDescription(RuleCode.LOWER, {}, (v.MISSING_LOWER,)))
    if policy.require_upper:
        rules.append(RuleDescription(RuleCode.UPPER, {}, (v.MISSING_UPPER,)))
    if policy.require_digit:
        rules.append(RuleDescription(RuleCode.DIGIT, {}, (v.MISSING_DIGIT,)))
    if policy.require_special or policy.special_chars:
        codes = (
            (v.MISSING_SPECIAL, v.FORBIDDEN_CHARACTER)
            if policy.require_special
            else (v.FORBIDDEN_CHARACTER,)
        )
        rules.append(RuleDescription(RuleCode.SPECIAL, _special_params(policy), codes))
    if not policy.allow_spaces:
        rules.append(RuleDescription(RuleCode.NO_SPACE, {}, (v.CONTAINS_SPACE,)))
    if policy.forbid_login:
        rules.append(RuleDescription(RuleCode.NO_LOGIN, {}, (v.CONTAINS_LOGIN,)))
    if policy.forbid_names:
        rules.append(RuleDescription(RuleCode.NO_NAMES, {}, (v.CONTAINS_NAME,)))
    if policy.history:
        rules.append(RuleDescription(RuleCode.HISTORY, {"count": policy.history}, (v.REUSED,)))
    if policy.forbid_common:
        rules.append(RuleDescription(RuleCode.NOT_COMMON, {}, (v.COMMON,)))
    if policy.min_zxcvbn_score is not None:
        params = {"min_score": policy.min_zxcvbn_score}
        rules.append(RuleDescription(RuleCode.MIN_STRENGTH, params, (v.TOO_WEAK,)))
    if policy.max_age_days is not None:
        rules.append(RuleDescription(RuleCode.MAX_AGE, {"days": policy.max_age_days}))
    return rules


def explain(
    password: str,
    policy: PasswordPolicy,
    *,
    login: str | None = None,
    names: Sequence[str] = (),
    previous_hashes: Sequence[str] = (),
    verify_hash: HashVerifier | None = None,
) -> list[RuleOutcome]:
    """Each rule of ``rules_for`` with the violations of ``evaluate`` that break it.

    A violation no listed rule owns (an invisible character in a realm without a special
    set) gets a final ``allowed_characters`` entry, so nothing ``evaluate`` found is hidden.
    """
    violations = evaluate(
        password,
        policy,
        login=login,
        names=names,
        previous_hashes=previous_hashes,
        verify_hash=verify_hash,
    )
    outcomes: list[RuleOutcome] = []
    claimed: set[ViolationCode] = set()
    for rule in rules_for(policy):
        mine = tuple(x for x in violations if x.code in rule.violations)
        claimed.update(rule.violations)
        outcomes.append(RuleOutcome(rule, mine))
    orphans = tuple(x for x in violations if x.code not in claimed)
    if orphans:
        rule = RuleDescription(
            RuleCode.ALLOWED_CHARACTERS, {}, tuple(dict.fromkeys(x.code for x in orphans))
        )
        outcomes.append(RuleOutcome(rule, orphans))
    return outcomes
