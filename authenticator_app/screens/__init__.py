"""The Kivy side: one passive Screen per presenter, each with its ``.kv`` layout beside it.

Importing this package configures Kivy before any window exists: no command-line parsing by
Kivy (the ``authenticator`` command owns its arguments), a phone-shaped desktop window, and no
exit on Escape (it means "back"); the bundled DejaVu Sans as every widget's font
(:mod:`.fonts`).

- :mod:`.lock_screen`, :mod:`.accounts_screen`, :mod:`.profile_screen`,
  :mod:`.add_account_screen`, :mod:`.push_screen`, :mod:`.settings_screen`,
  :mod:`.import_screen`, :mod:`.export_screen`: the screens;
- :mod:`.widgets`, :mod:`.theme`: shared widgets and colours; :mod:`.root`: the screen manager
  and the snackbar; :mod:`.translation`: live translation in kv; :mod:`.kivy_runner`: background
  work with results back on the UI thread.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("KIVY_NO_ARGS", "1")

from kivy.config import Config  # after KIVY_NO_ARGS, before any window exists

PHONE_WINDOW = (400, 740)

if "kivy.core.window" not in sys.modules:
    Config.set("graphics", "width", str(PHONE_WINDOW[0]))
    Config.set("graphics", "height", str(PHONE_WINDOW[1]))
    Config.set("graphics", "minimum_width", "320")
    Config.set("graphics", "minimum_height", "480")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,multitouch_on_demand")

from authenticator_app.screens.fonts import register_fonts  # noqa: E402  (after the Config)

register_fonts()

__all__ = ["PHONE_WINDOW"]
