"""French messages (gettext msgids) for policy rules and violations.

English and other languages come from the catalog; the French text follows the seed guides'
wording where they show it (seed 001: "8 caractères minimum", "1 minuscule minimum"...;
seed 004: "Ne doit comporter aucun espace", "Ne doit pas contenir votre login"...).
Messages are lazy strings: they are translated when rendered, in the request's locale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from idp.policy.rules import RuleCode, RuleDescription
from idp.policy.violations import Violation, ViolationCode

__all__ = ["rule_message", "violation_message"]

_Params = Mapping[str, Any]


def _characters(params: _Params) -> str:
    return " ".join(str(c) for c in params.get("characters", ()))


def _length(params: _Params) -> LazyString:
    if "max" in params and "min" in params:
        return _l("Doit comporter entre %(min)d et %(max)d caractères", **params)
    if "min" in params:
        return _l("%(min)d caractères minimum", min=params["min"])
    return _l("%(max)d caractères maximum", max=params["max"])


def _special(params: _Params) -> LazyString:
    if params.get("characters"):
        return _l(
            "1 caractère spécial minimum parmi : %(characters)s", characters=_characters(params)
        )
    return _l("1 caractère spécial minimum")


def _history(params: _Params) -> LazyString:
    if params.get("count", 1) == 1:
        return _l("Doit être différent du dernier mot de passe que vous avez choisi")
    return _l(
        "Doit être différent des %(count)d derniers mots de passe que vous avez choisis",
        count=params["count"],
    )


def _forbidden(params: _Params) -> LazyString:
    return _l("Caractères non autorisés : %(characters)s", characters=_characters(params))


_VIOLATIONS: dict[ViolationCode, Callable[[_Params], LazyString]] = {
    ViolationCode.TOO_SHORT: _length,
    ViolationCode.TOO_LONG: _length,
    ViolationCode.MISSING_LOWER: lambda p: _l("1 minuscule minimum"),
    ViolationCode.MISSING_UPPER: lambda p: _l("1 majuscule minimum"),
    ViolationCode.MISSING_DIGIT: lambda p: _l("1 chiffre minimum"),
    ViolationCode.MISSING_SPECIAL: _special,
    ViolationCode.FORBIDDEN_CHARACTER: _forbidden,
    ViolationCode.CONTAINS_SPACE: lambda p: _l("Ne doit comporter aucun espace"),
    ViolationCode.CONTAINS_LOGIN: lambda p: _l("Ne doit pas contenir votre login"),
    ViolationCode.CONTAINS_NAME: lambda p: _l("Ne doit contenir ni votre nom ni votre prénom"),
    ViolationCode.REUSED: _history,
    ViolationCode.COMMON: lambda p: _l("Ce mot de passe est trop courant"),
    ViolationCode.TOO_WEAK: lambda p: _l("Ce mot de passe est trop facile à deviner"),
}

_RULES: dict[RuleCode, Callable[[_Params], LazyString]] = {
    RuleCode.LENGTH: _length,
    RuleCode.LOWER: lambda p: _l("1 minuscule minimum"),
    RuleCode.UPPER: lambda p: _l("1 majuscule minimum"),
    RuleCode.DIGIT: lambda p: _l("1 chiffre minimum"),
    RuleCode.SPECIAL: _special,
    RuleCode.NO_SPACE: lambda p: _l("Ne doit comporter aucun espace"),
    RuleCode.NO_LOGIN: lambda p: _l("Ne doit pas contenir votre login"),
    RuleCode.NO_NAMES: lambda p: _l("Ne doit contenir ni votre nom ni votre prénom"),
    RuleCode.HISTORY: _history,
    RuleCode.NOT_COMMON: lambda p: _l("Ne doit pas être un mot de passe courant"),
    RuleCode.MIN_STRENGTH: lambda p: _l("Doit être difficile à deviner"),
    RuleCode.MAX_AGE: lambda p: _l(
        "Il vous sera demandé de le réinitialiser tous les %(days)d jours", days=p["days"]
    ),
    RuleCode.ALLOWED_CHARACTERS: lambda p: _l("Caractères invisibles non autorisés"),
}


def violation_message(violation: Violation) -> LazyString:
    """The translated message of one violation."""
    return _VIOLATIONS[violation.code](violation.params)


def rule_message(rule: RuleDescription) -> LazyString:
    """The translated text of one rule, for the list shown before typing."""
    return _RULES[rule.code](rule.params)
