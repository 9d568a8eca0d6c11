"""Research instruments that drive both sides at once: a real IdP in test mode and the
headless authenticator's core (``idp simulate fatigue``).

This package may import ``idp``, ``shared`` and ``authenticator_app.core``; it never imports
Kivy. ``idp`` itself never imports it at module level: only the ``idp simulate`` command does,
when it runs, so the IdP server keeps no dependency on the authenticator.
"""
