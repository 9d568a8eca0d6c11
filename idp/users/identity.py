"""Matching identity attributes typed in a form against an account (seed 003).

Names compare ignoring case, accents and spacing; every field is compared, without stopping at
the first difference, so the time taken does not tell which one differed.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from babel import Locale

from idp.models import User
from idp.users.attributes import normalise_name

__all__ = ["country_choices", "identity_matches"]


def _same(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))


def identity_matches(user: User | None, typed: Mapping[str, str]) -> bool:
    """True when every typed field equals the account's (email, names, country, organisation)."""
    stored = {
        "email": (user.email or "") if user else "",
        "first_name": (user.attribute("first_name") or "") if user else "",
        "last_name": (user.attribute("last_name") or "") if user else "",
        "country": (user.attribute("country") or "") if user else "",
        "organisation_type": (user.attribute("organisation_type") or "") if user else "",
    }
    verdict = user is not None
    for name, value in typed.items():
        expected = stored.get(name, "")
        if name == "email":
            ok = _same(value.strip().casefold(), expected.casefold())
        elif name == "country":
            ok = _same(value.strip().upper(), expected.upper())
        else:
            ok = _same(normalise_name(value), normalise_name(expected))
        verdict = verdict & ok & bool(expected)
    return verdict


def country_choices(language: str) -> list[tuple[str, str]]:
    """Every country (ISO 3166 alpha-2) named in ``language``, sorted by name."""
    names = Locale.parse(language).territories
    countries = [
        (code, name)
        for code, name in names.items()
        if len(code) == 2
        and code.isalpha()
        and code not in {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "XK"}
    ]
    return sorted(countries, key=lambda item: normalise_name(item[1]))
