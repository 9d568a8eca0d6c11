"""``authenticator trace CHALLENGE_ID`` as text: one line per event of the device's trace log
(authenticator_app.core.trace_log), then what it decoded, indented."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

__all__ = ["print_entries"]

_SKIP = {"at", "event", "account_id", "challenge_id", "header", "claims"}


def _offset(entry: Mapping[str, Any], start: datetime | None) -> str:
    try:
        at = datetime.fromisoformat(str(entry.get("at")))
    except ValueError:
        return "       ?"
    if start is None:
        return "+  0.000s"
    return f"+{(at - start).total_seconds():7.3f}s"


def _start(entries: list[dict[str, Any]]) -> datetime | None:
    for entry in entries:
        try:
            return datetime.fromisoformat(str(entry.get("at")))
        except ValueError:
            continue
    return None


def print_entries(out: Callable[[str], None], entries: list[dict[str, Any]]) -> None:
    start = _start(entries)
    for entry in entries:
        rest = {k: v for k, v in entry.items() if k not in _SKIP and v is not None}
        facts = "  ".join(f"{k}={v}" for k, v in sorted(rest.items()))
        out(f"{_offset(entry, start)}  {entry.get('at')}  {entry.get('event'):<17} {facts}")
        if "header" in entry:
            out(f"      header: {json.dumps(entry['header'], sort_keys=True)}")
        if "claims" in entry:
            out(f"      claims: {json.dumps(entry['claims'], sort_keys=True, ensure_ascii=False)}")
