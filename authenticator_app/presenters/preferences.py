"""The app's small settings file: language, and the wrong-PIN counter behind the growing delay.

Kept beside the vault as ``<vault>.settings.json`` (plain JSON: nothing secret). Losing it loses
nothing that matters: an unreadable file gives the defaults. It is not lost silently though: the
problem is logged and kept in :attr:`Preferences.problems`, and the damaged file is moved aside
to ``<name>.damaged`` before the first save replaces it. The counter only paces a human at the
keypad; the vault's own protection is the scrypt cost of every PIN try.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from authenticator_app.core.atomic_file import atomic_write
from authenticator_app.core.clock import MAX_CLOCK_OFFSET_SECONDS
from authenticator_app.core.errors import VaultError
from authenticator_app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from authenticator_app.presenters.idle_lock import DEFAULT_IDLE_SECONDS, IDLE_CHOICES

__all__ = ["DAMAGED_SUFFIX", "Preferences", "preferences_path"]

log = logging.getLogger(__name__)
DAMAGED_SUFFIX = ".damaged"


def preferences_path(vault_path: Path) -> Path:
    return vault_path.with_name(vault_path.name + ".settings.json")


@dataclass
class Preferences:
    path: Path | None = None
    """None: kept in memory only (tests, previews)."""
    language: str = DEFAULT_LANGUAGE
    failed_unlocks: int = 0
    retry_at: datetime | None = None
    clock_offset_seconds: int = 0
    """Test mode only: the device clock's skew (``AppServices.test_mode``)."""
    idle_lock_seconds: int = DEFAULT_IDLE_SECONDS
    """The app lock's idle time, one of ``IDLE_CHOICES`` (0: never)."""
    problems: list[str] = field(default_factory=list)
    damaged: bool = False
    """The file on disk could not be read: :meth:`save` moves it aside before replacing it."""

    @classmethod
    def load(cls, path: Path | None) -> Preferences:
        prefs = cls(path=path)
        if path is None or not path.exists():
            return prefs
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            language = data.get("language", DEFAULT_LANGUAGE)
            prefs.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
            prefs.failed_unlocks = max(0, int(data.get("failed_unlocks", 0)))
            retry = data.get("retry_at")
            prefs.retry_at = datetime.fromisoformat(retry) if retry else None
            if prefs.retry_at is not None and prefs.retry_at.tzinfo is None:
                prefs.retry_at = None
            offset = int(data.get("clock_offset_seconds", 0))
            prefs.clock_offset_seconds = offset if abs(offset) <= MAX_CLOCK_OFFSET_SECONDS else 0
            idle = int(data.get("idle_lock_seconds", DEFAULT_IDLE_SECONDS))
            prefs.idle_lock_seconds = idle if idle in IDLE_CHOICES else DEFAULT_IDLE_SECONDS
        except (OSError, ValueError, TypeError, AttributeError, OverflowError) as exc:
            # Settings are disposable: start from the defaults, and say so.
            prefs = cls(path=path, damaged=True)
            prefs.problems.append(f"{path.name}: {type(exc).__name__}")
            log.warning("settings file %s unreadable (%s): using the defaults", path, exc)
        return prefs

    def save(self) -> None:
        if self.path is None:
            return
        data = {
            "language": self.language,
            "failed_unlocks": self.failed_unlocks,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
        }
        if self.clock_offset_seconds:  # test mode only: ordinary files stay as they were
            data["clock_offset_seconds"] = self.clock_offset_seconds
        if self.idle_lock_seconds != DEFAULT_IDLE_SECONDS:  # files without it stay as they were
            data["idle_lock_seconds"] = self.idle_lock_seconds
        if self.damaged:
            self.damaged = False
            aside = self.path.with_name(self.path.name + DAMAGED_SUFFIX)
            try:
                os.replace(self.path, aside)
                log.warning("damaged settings file kept as %s", aside)
            except OSError as exc:
                self.problems.append(f"{aside.name}: {type(exc).__name__}")
                log.warning("damaged settings file %s not kept aside: %s", self.path, exc)
        try:
            atomic_write(self.path, json.dumps(data, indent=2).encode("utf-8"))
        except VaultError as exc:
            self.problems.append(exc.code)
            log.warning("settings not saved to %s: %s", self.path, exc.message)
