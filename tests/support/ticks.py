"""A monotonic clock a test sets by hand (the ``monotonic=`` of caches and guards)."""

from __future__ import annotations

__all__ = ["Ticks"]


class Ticks:
    """Called, it answers ``now``; tests move ``now`` forward themselves."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
