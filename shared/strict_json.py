"""Strict JSON decoding of protocol bodies and token segments.

Stricter than :func:`json.loads`: the top level must be an object, duplicate member names are
refused (two parsers could otherwise disagree on which one counts), ``NaN``/``Infinity`` are
refused, and the input size is capped before parsing. Every failure is a typed
:class:`~shared.errors.ProtocolError`.
"""

from __future__ import annotations

import json
from typing import Any, Final, NoReturn

from shared.errors import MessageMalformed, MessageTooLarge

__all__ = ["MAX_BODY_BYTES", "loads_object"]

MAX_BODY_BYTES: Final = 1024 * 1024


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name, value in pairs:
        if name in members:
            raise ValueError(f"duplicate member {name!r}")
        members[name] = value
    return members


def loads_object(
    data: str | bytes, *, what: str = "message", max_bytes: int = MAX_BODY_BYTES
) -> dict[str, Any]:
    """Decode a JSON object; :class:`MessageMalformed` or :class:`MessageTooLarge` otherwise."""
    if isinstance(data, str):
        if len(data) > max_bytes:
            raise MessageTooLarge(f"{what} exceeds {max_bytes} bytes")
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError:
            raise MessageMalformed(f"{what} is not valid UTF-8 text") from None
    elif isinstance(data, bytes | bytearray):
        raw = bytes(data)
    else:
        raise MessageMalformed(f"{what} must be text or bytes")
    if len(raw) > max_bytes:
        raise MessageTooLarge(f"{what} exceeds {max_bytes} bytes")
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_unique_members, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError, UnicodeDecodeError and the hooks' refusals.
        raise MessageMalformed(f"{what} is not valid JSON: {exc}"[:300]) from None
    if not isinstance(value, dict):
        raise MessageMalformed(f"{what} must be a JSON object")
    return value
