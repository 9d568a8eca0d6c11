"""Read and validate realm presets, reporting every problem with its field and line.

This is the public face of the presets: the models (from ``idp.realms.schema``), the errors
and the loader. ``idp realm import FILE.toml`` and ``idp init-demo`` go through here::

    try:
        preset = load_preset(path)
    except PresetError as err:
        print(err)   # one "file.toml:12: password_policy.min_length: ..." line per issue

Cross-table checks (a demo user's password against the realm's policy, push settings against
the recovery steps...) run once every table is valid on its own, so a file with structural
errors may reveal more issues after they are fixed.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import types
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from idp.policy.model import PasswordPolicy
from idp.realms.checks import implementation_issues
from idp.realms.issues import ISSUES_ERROR_TYPE, PresetError, PresetIssue, join_path
from idp.realms.schema import (
    Branding,
    DemoUser,
    LoginSettings,
    RealmPreset,
    SessionSettings,
    UrlSettings,
)
from idp.realms.toml_lines import field_lines, line_for

__all__ = [
    "MAX_PRESET_BYTES",
    "PRESET_DIR",
    "Branding",
    "DemoUser",
    "LoginSettings",
    "PasswordPolicy",
    "PresetError",
    "PresetIssue",
    "RealmPreset",
    "SessionSettings",
    "UrlSettings",
    "builtin_preset_paths",
    "load_builtin_presets",
    "load_preset",
    "parse_preset",
]

MAX_PRESET_BYTES = 256 * 1024
PRESET_DIR = Path(__file__).resolve().parent
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")
# Values never echoed back in an error message.
_SECRET_FIELDS = frozenset({"password", "secret_answer"})
_MAX_ECHO = 60


def parse_preset(
    text: str, source: str = "<preset>", *, implemented: Collection[str] | None = None
) -> RealmPreset:
    """Validate the TOML text of a preset; raise ``PresetError`` listing every issue.

    With ``implemented`` (the recovery step names this installation runs), a preset naming
    any other step is refused too, each with its line.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_PRESET_BYTES:
        raise PresetError([_too_big(size)], source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PresetError([_syntax_issue(exc)], source) from None
    try:
        preset = RealmPreset.model_validate(data)
    except ValidationError as exc:
        raise PresetError(_issues(exc.errors(), field_lines(text)), source) from None
    if implemented is not None:
        missing = implementation_issues(preset, implemented)
        if missing:
            lines = field_lines(text)
            raise PresetError(
                [PresetIssue(f, line_for(lines, f), message) for f, message in missing], source
            )
    return preset


def load_preset(path: str | Path, *, implemented: Collection[str] | None = None) -> RealmPreset:
    """Read and validate a preset file (UTF-8, at most ``MAX_PRESET_BYTES``)."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_PRESET_BYTES:
            raise PresetError([_too_big(size)], source)
        raw = path.read_bytes()
    except OSError as exc:
        raise PresetError([PresetIssue("", None, f"cannot read: {exc.strerror}")], source) from None
    try:
        text = raw.decode("utf-8-sig")  # tolerate the BOM some editors write
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PresetError([PresetIssue("", line, "is not valid UTF-8")], source) from None
    return parse_preset(text, source, implemented=implemented)


def builtin_preset_paths() -> list[Path]:
    """The presets shipped in ``idp/realms/``, sorted by file name."""
    return sorted(PRESET_DIR.glob("*.toml"))


def load_builtin_presets() -> list[RealmPreset]:
    """Every shipped preset; each file must be named after its slug."""
    presets: list[RealmPreset] = []
    for path in builtin_preset_paths():
        preset = load_preset(path)
        if preset.slug != path.stem:
            issue = PresetIssue("slug", None, f"must match the file name ({path.stem!r})")
            raise PresetError([issue], str(path))
        presets.append(preset)
    return presets


def _too_big(size: int) -> PresetIssue:
    return PresetIssue("", None, f"is {size} bytes, more than the {MAX_PRESET_BYTES} allowed")


def _syntax_issue(exc: tomllib.TOMLDecodeError) -> PresetIssue:
    message = str(exc)
    match = _TOML_POSITION.search(message)
    line = int(match.group(1)) if match and match.group(1) else None
    column = f" (column {match.group(2)})" if match and match.group(2) else ""
    return PresetIssue("", line, f"invalid TOML: {_TOML_POSITION.sub('', message)}{column}")


def _path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        path = join_path(path, f"[{part}]" if isinstance(part, int) else part)
    return path


def _issues(errors: list[ErrorDetails], lines: Mapping[str, int]) -> list[PresetIssue]:
    issues: list[PresetIssue] = []
    for error in errors:
        base = _path(error["loc"])
        if error["type"] == ISSUES_ERROR_TYPE:
            ctx: dict[str, Any] = dict(error.get("ctx") or {})
            for sub, message in ctx["issues"]:
                field = join_path(base, sub)
                issues.append(PresetIssue(field, line_for(lines, field), message))
        else:
            issues.append(PresetIssue(base, line_for(lines, base), _message(error)))
    issues.sort(key=lambda i: (i.line is None, i.line or 0))
    return issues


def _message(error: ErrorDetails) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        return "unknown key" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    if kind == "literal_error":
        return _literal_message(error)
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    secret = bool(loc) and loc[-1] in _SECRET_FIELDS
    if not secret and isinstance(value, str | int | float | bool) and len(repr(value)) <= _MAX_ECHO:
        message += f" (got {value!r})"
    return message


def _literal_message(error: ErrorDetails) -> str:
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    raw = str(ctx.get("expected", ""))
    # Text literals come quoted ("'a', 'b' or 'c'"), numbers bare ("6 or 8").
    expected = re.findall(r"'([^']*)'", raw) or re.findall(r"-?\d+", raw)
    value = error.get("input")
    hint = difflib.get_close_matches(value, expected, n=1) if isinstance(value, str) else []
    got = f"unknown value {value!r}" if isinstance(value, str) else "wrong value"
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"{got}{suggestion}; expected one of: {', '.join(expected)}"


def _known_keys(loc: Sequence[int | str]) -> list[str]:
    """Field names of the model found at ``loc`` in a RealmPreset, for "did you mean"."""
    current: Any = RealmPreset
    for part in loc:
        current = _unwrap_optional(current)
        if isinstance(part, int):
            if get_origin(current) is not list:
                return []
            current = get_args(current)[0]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return []
            current = field.annotation
        else:
            return []
    current = _unwrap_optional(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation
