"""Babel extractor for the user-facing strings of realm presets (``babel.cfg``).

Presets are data, but their labels (prompts, category labels, welcome text...) are shown on
pages and must be translatable like any template string: ``scripts/i18n update`` runs this
extractor over ``idp/realms/*.toml`` so the English catalog carries them too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["TRANSLATABLE_KEYS", "extract_preset"]

TRANSLATABLE_KEYS = frozenset(
    {
        "tagline",
        "title",
        "welcome_text",
        "notice",
        "forgot_password_label",
        "prompt",
        "label",
        "examples",
        "description",
        "help_text",
        "explanation",
    }
)


def _walk(node: Any, key: str | None = None) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k != "demo_users":
                yield from _walk(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key)
    elif isinstance(node, str) and key in TRANSLATABLE_KEYS and node.strip():
        yield node


def extract_preset(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, str, str, list[str]]]:
    text = fileobj.read().decode("utf-8")
    lines = text.splitlines()
    for message in _walk(tomllib.loads(text)):
        lineno = next((i + 1 for i, line in enumerate(lines) if message[:40] in line), 0)
        yield lineno, "_", message, ["preset string"]
