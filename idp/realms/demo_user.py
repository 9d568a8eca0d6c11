"""A demo account of a preset (``[[demo_users]]``), created by ``idp init-demo``.

Its own module so that the cross-table checks (``checks.py``) can name it without importing
the preset schema that runs them (an import cycle, hidden behind TYPE_CHECKING, before).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from idp.realms.attributes import USER_ATTRIBUTE_KEYS, validate_user_attribute
from idp.realms.issues import issues_error

__all__ = ["DemoUser", "Language"]

Language = Literal["fr", "en"]
_Frozen = ConfigDict(extra="forbid", frozen=True)


class DemoUser(BaseModel):
    """An account created by ``idp init-demo``. ``attrs`` keys are the user attributes of
    ``idp.realms.attributes`` (a ``birth_date`` may be a TOML date or ``"yyyy-mm-dd"``)."""

    model_config = _Frozen
    username: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
    # None for a pre-provisioned account that the user activates (seed 004, "Activer mon compte").
    password: str | None = Field(None, min_length=1, max_length=256, strict=True)
    activated: bool = Field(True, strict=True)
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    language: Language = "fr"
    display_name: str = Field(min_length=1, max_length=120)
    attrs: dict[str, str] = Field(default_factory=dict)

    @field_validator("attrs", mode="before")
    @classmethod
    def _dates_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: v.isoformat() if isinstance(v, date) and k == "birth_date" else v
                for k, v in value.items()
            }
        return value

    @field_validator("attrs")
    @classmethod
    def _known_and_valid(cls, attrs: dict[str, str]) -> dict[str, str]:
        issues: list[tuple[str, str]] = []
        cleaned: dict[str, str] = {}
        for key, value in attrs.items():
            if key not in USER_ATTRIBUTE_KEYS:
                issues.append((key, f"unknown attribute (known: {', '.join(USER_ATTRIBUTE_KEYS)})"))
                continue
            try:
                cleaned[key] = validate_user_attribute(key, value)
            except ValueError as exc:
                issues.append((key, str(exc)))
        if ("secret_question" in attrs) != ("secret_answer" in attrs):
            missing = "secret_answer" if "secret_question" in attrs else "secret_question"
            issues.append((missing, "secret_question and secret_answer go together"))
        if issues:
            raise issues_error(issues)
        return cleaned

    @model_validator(mode="after")
    def _password_matches_state(self) -> DemoUser:
        if self.activated and self.password is None:
            raise ValueError("password: required for an activated account")
        if not self.activated and self.password is not None:
            raise ValueError("password: a pre-provisioned account gets its password at activation")
        return self

    @property
    def names(self) -> list[str]:
        """First and last name, for the policy's forbid_names rule."""
        return [self.attrs[k] for k in ("first_name", "last_name") if k in self.attrs]
