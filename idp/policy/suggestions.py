"""Strong passwords that satisfy a policy ("Mots de passe générés automatiquement", seed 001)."""

from __future__ import annotations

import secrets
import string

from idp.policy.model import PasswordPolicy
from idp.policy.rules import evaluate

__all__ = ["suggest"]

_SPECIAL_DEFAULT = "!#$%&*+-=?@_"
_AMBIGUOUS = set("0O1lI|")


def _pool(chars: str) -> str:
    return "".join(c for c in chars if c not in _AMBIGUOUS)


def suggest(policy: PasswordPolicy, count: int, *, login: str | None = None) -> list[str]:
    """``count`` random passwords (about 100 bits) that pass every rule of ``policy``."""
    length = max(policy.min_length, 16)
    if policy.max_length is not None:
        length = min(length, policy.max_length)
    special = _pool(policy.special_chars or _SPECIAL_DEFAULT).replace(" ", "")
    classes = [_pool(string.ascii_lowercase), _pool(string.ascii_uppercase), _pool(string.digits)]
    if policy.require_special or policy.special_chars:
        classes.append(special)
    alphabet = "".join(classes)
    found: list[str] = []
    for _attempt in range(count * 20):
        chars = [secrets.choice(c) for c in classes]
        chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
        # Fisher-Yates with the CSPRNG, so the required characters are not always first.
        for i in range(len(chars) - 1, 0, -1):
            j = secrets.randbelow(i + 1)
            chars[i], chars[j] = chars[j], chars[i]
        candidate = "".join(chars)
        if not evaluate(candidate, policy, login=login) and candidate not in found:
            found.append(candidate)
        if len(found) == count:
            break
    return found
