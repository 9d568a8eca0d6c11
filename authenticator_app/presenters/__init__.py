"""One presenter per screen: plain Python (no Kivy), tested with fake views (DESIGN.md §6.11).

A presenter holds a screen's logic and renders an immutable model into its passive view
(``view.render(model)``); the Kivy screens only lay models out and forward touches. Slow or
network work goes through a :class:`~.runner.Runner` (a worker thread in the app, synchronous in
tests) and comes back on the UI thread. Texts are translated when rendered
(:class:`authenticator_app.i18n.Translator`), so switching the language re-renders them.

- :mod:`.lock`: PIN entry, first-run PIN choice, growing delay after wrong PINs;
- :mod:`.accounts`: the home screen (codes, countdowns, search);
- :mod:`.profile`: an account's details, "Changer de mot de passe", rename, remove;
- :mod:`.add_account`: enrollment from a URI, by hand, or from a QR image;
- :mod:`.push`: the number-matching prompt fed by the SSE watcher (:mod:`.watching`);
- :mod:`.settings`: language, PIN change, about;
- :mod:`.import_accounts`, :mod:`.export_accounts`: import and export, opened from the settings;
- :mod:`.errors`, :mod:`.formatting`, :mod:`.preferences`, :mod:`.navigation`, :mod:`.runner`:
  what they share.
"""

from __future__ import annotations

from authenticator_app.presenters.accounts import AccountsPresenter
from authenticator_app.presenters.add_account import AddAccountPresenter
from authenticator_app.presenters.lock import LockPresenter
from authenticator_app.presenters.profile import ProfilePresenter
from authenticator_app.presenters.push import PushPresenter
from authenticator_app.presenters.settings import SettingsPresenter

__all__ = [
    "AccountsPresenter",
    "AddAccountPresenter",
    "LockPresenter",
    "ProfilePresenter",
    "PushPresenter",
    "SettingsPresenter",
]
