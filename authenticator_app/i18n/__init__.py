"""The app's translations: gettext catalogs, French (the default) and English, switched live.

Two kinds of message ids live in the one ``authenticator`` domain:

- screen texts use the seeds' **French** wording as msgid (``"Changer de mot de passe"``,
  ``"OUI"``), as the IdP does; the ``en`` catalog translates them;
- error messages use the core catalog's **English** sentence as msgid
  (:data:`authenticator_app.core.catalog.MESSAGES`, keyed by the stable error code); the ``fr``
  catalog translates them.

So each language's catalog holds the other half, and a msgid missing from a catalog falls back
to itself. ``python -m authenticator_app.i18n check`` lists what is missing;
``python -m authenticator_app.i18n compile`` rebuilds the ``.mo`` files (needs Babel, a dev
dependency). No Kivy here: presenters translate with :class:`Translator`, the kv files through
:mod:`authenticator_app.screens.translation`.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "Translator",
]

DOMAIN: Final = "authenticator"
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE: Final = "fr"
LANGUAGES: Final[Mapping[str, str]] = MappingProxyType({"fr": "Français", "en": "English"})


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


class Translator:
    """The current language's catalog; listeners hear about every switch."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, *, localedir: Path = LOCALE_DIR) -> None:
        self._localedir = localedir
        self._listeners: list[Callable[[str], None]] = []
        self._catalog: gettext.NullTranslations = gettext.NullTranslations()
        self._language = DEFAULT_LANGUAGE
        self._load(language)

    @property
    def language(self) -> str:
        return self._language

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    __call__ = gettext

    def _load(self, language: str) -> None:
        if language not in LANGUAGES:
            language = DEFAULT_LANGUAGE
        self._catalog = gettext.translation(
            DOMAIN, self._localedir, languages=[language], fallback=True
        )
        self._language = language

    def set_language(self, language: str) -> None:
        """Switch to ``language`` (unknown ones fall back to French) and tell the listeners."""
        self._load(language)
        for listener in list(self._listeners):
            listener(self._language)

    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call ``listener(language)`` after each switch; returns the unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe
