"""The authenticator: a Kivy app (later) and a headless command on the same core.

- :mod:`authenticator_app.core`: plain Python (vault, accounts, enrollment, challenges, codes);
  never imports Kivy, Flask or the IdP;
- :mod:`authenticator_app.cli`: ``authenticator --vault PATH <verb>``, a thin layer over the core.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
