"""Where each key of a TOML document is: a map from field path to line number.

tomllib gives values, not positions. Validation errors name a field path
(``demo_users[1].attrs.birth_date``); to print ``file:line`` we scan the text once, after
tomllib has accepted it, following tables, arrays of tables, dotted keys, inline tables and
array elements. Best effort: a path that is not found falls back to its nearest parent.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping

from idp.realms.issues import join_path

__all__ = ["field_lines", "line_for"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = ",]}\n#\r"


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[str, int] = {}
        self.table = ""
        self.array_tables: dict[str, int] = {}
        self.line_starts = [0, *(i + 1 for i, c in enumerate(text) if c == "\n")]

    def record(self, path: str, pos: int) -> None:
        self.lines.setdefault(path, bisect.bisect_right(self.line_starts, pos))

    def peek(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def skip_blank(self, *, newlines: bool) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n:
            c = text[self.pos]
            if c in " \t\r" or (newlines and c == "\n"):
                self.pos += 1
            elif newlines and c == "#":
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end
            else:
                return

    def run(self) -> dict[str, int]:
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return self.lines
            start = self.pos
            if self.peek("[["):
                self.pos += 2
                self.open_array_table(self.key(), start)
                self.pos = self.text.index("]]", self.pos) + 2
            elif self.peek("["):
                self.pos += 1
                self.table = self.resolve(self.key())
                self.record(self.table, start)
                self.pos = self.text.index("]", self.pos) + 1
            else:
                self.key_value(self.table, start)
            self.skip_blank(newlines=False)

    def resolve(self, keys: list[str]) -> str:
        path = ""
        for key in keys:
            path = join_path(path, key)
            if path in self.array_tables:
                path = f"{path}[{self.array_tables[path] - 1}]"
        return path

    def open_array_table(self, keys: list[str], start: int) -> None:
        full = join_path(self.resolve(keys[:-1]), keys[-1])
        count = self.array_tables.get(full, 0) + 1
        self.array_tables[full] = count
        self.table = f"{full}[{count - 1}]"
        self.record(full, start)
        self.record(self.table, start)

    def key(self) -> list[str]:
        keys: list[str] = []
        while True:
            self.skip_blank(newlines=False)
            if self.peek('"'):
                begin = self.pos
                self.string()
                keys.append(self.text[begin + 1 : self.pos - 1])
            elif self.peek("'"):
                end = self.text.index("'", self.pos + 1)
                keys.append(self.text[self.pos + 1 : end])
                self.pos = end + 1
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if match is None:
                    raise ValueError(f"no key at offset {self.pos}")
                keys.append(match.group())
                self.pos = match.end()
            self.skip_blank(newlines=False)
            if not self.peek("."):
                return keys
            self.pos += 1

    def key_value(self, table: str, start: int) -> None:
        path = table
        for key in self.key():
            path = join_path(path, key)
        self.record(path, start)
        self.pos = self.text.index("=", self.pos) + 1
        self.skip_blank(newlines=False)
        self.value(path)

    def value(self, path: str) -> None:
        if self.peek('"') or self.peek("'"):
            self.string()
        elif self.peek("["):
            self.array(path)
        elif self.peek("{"):
            self.inline_table(path)
        else:
            begin = self.pos
            while self.pos < len(self.text) and self.text[self.pos] not in _SCALAR_END:
                self.pos += 1
            if self.pos == begin:
                raise ValueError(f"no value at offset {begin}")

    def string(self) -> None:
        text = self.text
        quote = text[self.pos]
        if self.peek(quote * 3):
            end = text.index(quote * 3, self.pos + 3) if quote == "'" else self._basic_end(3)
            self.pos = end + 3
            while self.pos < len(text) and text[self.pos] == quote:  # up to 2 quotes in content
                self.pos += 1
        elif quote == "'":
            self.pos = text.index("'", self.pos + 1) + 1
        else:
            self.pos = self._basic_end(1) + 1

    def _basic_end(self, width: int) -> int:
        text, i = self.text, self.pos + width
        closing = '"' * width
        while not text.startswith(closing, i):
            i += 2 if text[i] == "\\" else 1
        return i

    def array(self, path: str) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip_blank(newlines=True)
            if self.peek("]"):
                self.pos += 1
                return
            item = f"{path}[{index}]"
            self.record(item, self.pos)
            self.value(item)
            index += 1
            self.skip_blank(newlines=True)
            if self.peek(","):
                self.pos += 1

    def inline_table(self, path: str) -> None:
        self.pos += 1
        while True:
            self.skip_blank(newlines=False)
            if self.peek("}"):
                self.pos += 1
                return
            self.key_value(path, self.pos)
            self.skip_blank(newlines=False)
            if self.peek(","):
                self.pos += 1


def field_lines(text: str) -> dict[str, int]:
    """Map every field path of a valid TOML document to the (1-based) line defining it."""
    scanner = _Scanner(text)
    try:
        return scanner.run()
    except (ValueError, IndexError):
        # The scanner assumes valid TOML; anything it misreads just leaves fewer lines known.
        return scanner.lines


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def line_for(lines: Mapping[str, int], path: str) -> int | None:
    """Line of ``path``, or of its nearest parent that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = _parent(path)
    return None
