"""The English catalog is complete and its compiled .mo matches the .po."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[2] / "idp" / "translations" / "en" / "LC_MESSAGES"


def test_every_message_is_translated() -> None:
    with (CATALOG / "messages.po").open("rb") as f:
        po = read_po(f)
    untranslated = [m.id for m in po if m.id and not m.string]
    assert untranslated == []


def _key(value: object) -> object:
    """Plural entries: .po gives tuples, .mo lists."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_compiled_catalog_is_up_to_date() -> None:
    with (CATALOG / "messages.po").open("rb") as f:
        po = {_key(m.id): _key(m.string) for m in read_po(f) if m.id}
    with (CATALOG / "messages.mo").open("rb") as f:
        mo = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    assert po == mo, "run: scripts/i18n compile"


def test_templates_have_no_untranslated_new_strings() -> None:
    """Every msgid extracted from the sources is in the catalog (run scripts/i18n update)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = Path(__file__).resolve().parents[2]
    with (root / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    with (CATALOG / "messages.po").open("rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(root),
        method_map,
        options_map,
        keywords={"_": None, "_l": None, "lazy_gettext": None, "gettext": None, "ngettext": (1, 2)},
    ):
        found.add(message if isinstance(message, str) else message[0])
    missing = sorted(m for m in found - known if m)
    assert missing == [], "run: scripts/i18n update, then translate"
