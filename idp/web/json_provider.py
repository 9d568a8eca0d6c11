"""Flask's JSON, with the protocol's bound on nesting for every body the app reads.

``request.get_json()`` anywhere (device API aside, which parses strictly itself) decodes with
:class:`StrictJSONProvider`: nesting deeper than :data:`shared.strict_json.MAX_DEPTH` is a
``ValueError`` before parsing, so ``get_json(silent=True)`` answers ``None`` and a non-silent
call a 400, instead of a ``RecursionError`` (a 500) from about 2 KB of brackets.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

from shared.errors import MessageMalformed
from shared.strict_json import check_depth

__all__ = ["StrictJSONProvider"]


class StrictJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        raw = s.encode("utf-8", "surrogatepass") if isinstance(s, str) else bytes(s)
        try:
            check_depth(raw, what="JSON body")
        except MessageMalformed as exc:
            raise ValueError(exc.detail) from None
        return super().loads(s, **kwargs)
