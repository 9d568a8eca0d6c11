"""How presenters move between screens and show a passing message, without knowing Kivy."""

from __future__ import annotations

from typing import Literal, Protocol

__all__ = ["Navigator", "Route"]

Route = Literal[
    "lock", "accounts", "profile", "add", "scan", "push", "pipush", "settings", "import", "export"
]


class Navigator(Protocol):
    def show(self, route: Route, account_id: str | None = None) -> None:
        """Open a screen (``profile`` needs the account id)."""

    def back(self) -> None:
        """Return to the previous screen (the accounts list at worst)."""

    def notice(self, text: str) -> None:
        """A short message that goes away by itself (a snackbar)."""
