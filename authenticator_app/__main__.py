"""``python -m authenticator_app``: the same as the ``authenticator`` command."""

from __future__ import annotations

from authenticator_app.cli import main

raise SystemExit(main())
