"""Errors of a realm preset, each tied to a field path and, when known, a line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic_core import PydanticCustomError

__all__ = ["ISSUES_ERROR_TYPE", "PresetError", "PresetIssue", "issues_error", "join_path"]

# Error type of validators that report several issues at once, each on its own sub-field
# (pydantic gives a validator only its own location): the loader expands ctx["issues"].
ISSUES_ERROR_TYPE = "preset_issues"


@dataclass(frozen=True)
class PresetIssue:
    """``field`` is a dotted path such as ``password_policy.min_length`` or
    ``demo_users[0].attrs.birth_date`` ("" for the whole file)."""

    field: str
    line: int | None
    message: str

    def format(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line is not None else source
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class PresetError(Exception):
    """A preset that cannot be used; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[PresetIssue], source: str = "<preset>") -> None:
        self.issues: list[PresetIssue] = list(issues)
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(issue.format(self.source) for issue in self.issues)


def join_path(base: str, sub: str) -> str:
    """``join_path("recovery", "steps[2]") == "recovery.steps[2]"``; ``[i]`` attaches directly."""
    if not base:
        return sub
    if not sub:
        return base
    return f"{base}{sub}" if sub.startswith("[") else f"{base}.{sub}"


def issues_error(issues: Sequence[tuple[str, str]]) -> PydanticCustomError:
    """One pydantic error carrying several ``(relative field path, message)`` issues."""
    summary = "; ".join(f"{field}: {message}" if field else message for field, message in issues)
    return PydanticCustomError(
        ISSUES_ERROR_TYPE, "{summary}", {"summary": summary, "issues": list(issues)}
    )
