"""Strict JSON decoding of protocol bodies and token segments.

Stricter than :func:`json.loads`: the top level must be an object, duplicate member names are
refused (two parsers could otherwise disagree on which one counts), ``NaN``/``Infinity`` are
refused, and the input size and nesting depth are bounded before parsing (a deeply nested
body would otherwise exhaust the decoder's recursion). Every failure is a typed
:class:`~shared.errors.ProtocolError`.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any, Final, NoReturn

from shared.errors import MessageMalformed, MessageTooLarge

__all__ = ["MAX_BODY_BYTES", "MAX_DEPTH", "check_depth", "loads_object"]

MAX_BODY_BYTES: Final = 1024 * 1024
MAX_DEPTH: Final = 32
"""Deepest nesting of objects and arrays a protocol body may have (a JWKS needs 3)."""

# A JSON string literal (escapes included); brackets inside strings do not nest anything.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def check_depth(raw: bytes, *, what: str = "message", max_depth: int = MAX_DEPTH) -> None:
    """Refuse (:class:`MessageMalformed`) JSON nested deeper than ``max_depth``, without parsing.

    Linear in the input: string literals are removed, the remaining brackets counted. Input
    that is not JSON passes through to the parser, which refuses it.
    """
    if raw.count(b"{") + raw.count(b"[") <= max_depth:
        return  # fewer openers than the bound (strings included): no deeper nesting possible
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if len(brackets) <= max_depth:
        return
    if max(accumulate(_STEP[b] for b in brackets), default=0) > max_depth:
        raise MessageMalformed(f"{what} is nested deeper than {max_depth} levels")


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
    check_depth(raw, what=what)
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_unique_members, parse_constant=_refuse_constant)
    except ValueError as exc:
        # JSONDecodeError, UnicodeDecodeError and the hooks' refusals (depth is bounded above).
        raise MessageMalformed(f"{what} is not valid JSON: {exc}"[:300]) from None
    if not isinstance(value, dict):
        raise MessageMalformed(f"{what} must be a JSON object")
    return value
