"""French typography on what people read: no line break between a word and « : ; ? ! » or
inside « », whoever wrote the text (catalog, preset TOML, seed label, flash message).

French puts a space before the high punctuation marks and inside guillemets; an ordinary space
lets the browser wrap « ? » alone onto the next line. The spaces are made non-breaking when
the page (or mail) is French, at the edge, once: the catalogs and the seeds' labels keep their
ordinary spaces, and a message added tomorrow gets the rule without anyone remembering it.
Only an existing space is replaced, so ``https://``, ``10:45`` or ``a:b`` are never touched.

- before « : » and inside « »: U+00A0 NO-BREAK SPACE (espace insécable);
- before « ; ? ! »: U+202F NARROW NO-BREAK SPACE (espace fine insécable).
"""

from __future__ import annotations

import re

from flask import Flask, Response
from flask_babel import get_locale

__all__ = ["NBSP", "NNBSP", "french_html", "french_text", "install_typography"]

NBSP = "\u00a0"
NNBSP = "\u202f"

_BEFORE_COLON = re.compile(r" +(?=:)")
_BEFORE_HIGH = re.compile(r" +(?=[;?!])")
_AFTER_OPEN = re.compile(r"« +")
_BEFORE_CLOSE = re.compile(r" +»")
# What is not text in an HTML page: scripts and styles whole, and every tag (attributes included).
_NOT_TEXT = re.compile(r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<[^>]*>)", re.I | re.S)


def french_text(text: str) -> str:
    text = _BEFORE_COLON.sub(NBSP, text)
    text = _BEFORE_HIGH.sub(NNBSP, text)
    text = _AFTER_OPEN.sub("«" + NBSP, text)
    return _BEFORE_CLOSE.sub(NBSP + "»", text)


def french_html(html: str) -> str:
    """``french_text`` on the text between tags only (never in a tag, script or style)."""
    parts = _NOT_TEXT.split(html)
    # split() with one group: even indexes are text, odd ones the markup matched.
    return "".join(part if i % 2 else french_text(part) for i, part in enumerate(parts))


def _is_french() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "fr"


def install_typography(app: Flask) -> None:
    @app.after_request
    def _french_spaces(resp: Response) -> Response:
        if (
            resp.mimetype == "text/html"
            and not 300 <= resp.status_code < 400  # a redirect's stub body is never shown
            and not resp.direct_passthrough
            and not resp.is_streamed
            and _is_french()
        ):
            resp.set_data(french_html(resp.get_data(as_text=True)))
        return resp
