"""The authenticator: a Kivy app and a headless command on the same core.

- :mod:`authenticator_app.core`: plain Python (vault, accounts, enrollment, challenges, codes);
  never imports Kivy, Flask or the IdP;
- :mod:`authenticator_app.presenters`: one plain-Python presenter per screen (no Kivy);
- :mod:`authenticator_app.screens` and :mod:`authenticator_app.app`: the Kivy app;
- :mod:`authenticator_app.cli`: ``authenticator --vault PATH <verb>``, a thin layer over the core
  (no verb opens the app);
- :mod:`authenticator_app.mobile`: the Android entry point (``android/``: buildozer.spec).
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
