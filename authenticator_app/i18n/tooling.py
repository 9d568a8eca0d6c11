"""Maintaining the catalogs: extract the msgids, merge them into the ``.po`` files, check that
nothing is untranslated, compile the ``.mo`` files. Needs Babel (a dev dependency); the app
itself only reads the ``.mo`` files.

- French msgids: every ``_("...")``, ``N_("...")``, ``self._("...")`` in the app's Python, and
  every ``tr._("...")`` in its kv files; the ``en`` catalog translates them.
- English msgids: the core catalog's and the presenters' error sentences; the ``fr`` catalog
  translates them.
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authenticator_app.core.catalog import MESSAGES
from authenticator_app.i18n import DOMAIN, LOCALE_DIR
from authenticator_app.presenters.errors import APP_MESSAGES

__all__ = [
    "CatalogProblems",
    "check",
    "compile_catalogs",
    "english_msgids",
    "french_msgids",
    "po_path",
    "update",
]

PACKAGE = Path(__file__).resolve().parents[1]
SOURCES = ("presenters", "screens", "app.py")
_KV_CALL = re.compile(r"""tr\._\(\s*(?P<q>["'])(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*\)""")
_MARKERS = frozenset({"_", "N_"})


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _python_files() -> Iterable[Path]:
    for name in SOURCES:
        path = PACKAGE / name
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _calls(tree: ast.AST) -> Iterable[str]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        first = node.args[0]
        if name in _MARKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield first.value


def french_msgids() -> set[str]:
    """The screen texts (French msgids) used in the app's Python and kv files."""
    found: set[str] = set()
    for path in _python_files():
        found.update(_calls(ast.parse(path.read_text(encoding="utf-8"))))
    for path in sorted((PACKAGE / "screens").glob("*.kv")):
        for match in _KV_CALL.finditer(path.read_text(encoding="utf-8")):
            found.add(match["text"].encode().decode("unicode_escape").encode("latin-1").decode())
    return found


def english_msgids() -> set[str]:
    """The error sentences (English msgids)."""
    return set(MESSAGES.values()) | set(APP_MESSAGES.values())


def _wanted(language: str) -> set[str]:
    return english_msgids() if language == "fr" else french_msgids()


def _read(language: str) -> Any:
    from babel.messages.pofile import read_po

    path = po_path(language)
    if not path.exists():
        from babel.messages.catalog import Catalog

        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


@dataclass(frozen=True)
class CatalogProblems:
    language: str
    missing: tuple[str, ...]
    untranslated: tuple[str, ...]
    obsolete: tuple[str, ...]
    stale_mo: bool

    @property
    def ok(self) -> bool:
        return not (self.missing or self.untranslated or self.obsolete or self.stale_mo)


def _mo_bytes(catalog: Any) -> bytes:
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def check(language: str) -> CatalogProblems:
    catalog = _read(language)
    wanted = _wanted(language)
    present = {m.id for m in catalog if m.id}
    mo = po_path(language).with_suffix(".mo")
    return CatalogProblems(
        language=language,
        missing=tuple(sorted(wanted - present)),
        untranslated=tuple(sorted(m.id for m in catalog if m.id and not m.string)),
        obsolete=tuple(sorted(present - wanted)),
        stale_mo=not mo.exists() or mo.read_bytes() != _mo_bytes(catalog),
    )


def update(language: str) -> Path:
    """Add the new msgids (untranslated) and drop the ones no longer used."""
    from babel.messages.pofile import write_po

    catalog = _read(language)
    wanted = _wanted(language)
    for message in list(catalog):
        if message.id and message.id not in wanted:
            del catalog[message.id]
    for msgid in sorted(wanted):
        if msgid not in catalog:
            catalog.add(msgid, "")
    catalog.header_comment = "# The authenticator app, " + (
        "error messages in French." if language == "fr" else "screen texts in English."
    )
    catalog.project, catalog.version = "sspr-push-lab authenticator", "0.1.0"
    catalog.fuzzy = False  # a fuzzy header would be left out of the .mo (and its charset)
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False, width=100)
    return path


def compile_catalogs(languages: Iterable[str]) -> list[Path]:
    written = []
    for language in languages:
        mo = po_path(language).with_suffix(".mo")
        mo.write_bytes(_mo_bytes(_read(language)))
        written.append(mo)
    return written
