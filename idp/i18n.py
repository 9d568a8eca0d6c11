"""Language choice: French first, English second (DESIGN.md §1).

Order: the language chosen in this browser session, then the signed-in account's language,
then the best match of Accept-Language among the realm's languages, then the realm's default.
"""

from __future__ import annotations

from flask import current_app, g, request, session

__all__ = ["SUPPORTED", "select_locale"]

SUPPORTED = ("fr", "en")


def select_locale() -> str:
    allowed = tuple(getattr(g, "realm_languages", None) or SUPPORTED)
    chosen = session.get("lang")
    if chosen in allowed:
        return str(chosen)
    user_lang = getattr(g, "user_language", None)
    if user_lang in allowed:
        return str(user_lang)
    default = (
        getattr(g, "realm_default_language", None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    best = request.accept_languages.best_match(allowed) if request else None
    # French stays the default: only an explicit Accept-Language preference overrides it.
    return str(best or default)
