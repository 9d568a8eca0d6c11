"""Options of the recovery steps: one table under ``[recovery]`` per configurable step."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from idp.realms.identifiers import IdentifierKind
from idp.realms.issues import issues_error

__all__ = [
    "AcceptRulesOptions",
    "ApplyAsyncOptions",
    "CaptchaOptions",
    "Category",
    "ChooseCategoryOptions",
    "EmailCodeOptions",
    "EmailLinkOptions",
    "IdentifyByAttributesOptions",
    "IdentifyByNumberOptions",
    "IdentityField",
    "SecretQuestionOptions",
    "SetPasswordOptions",
]

_Options = ConfigDict(extra="forbid", frozen=True)
_ID = r"^[a-z0-9][a-z0-9-]{0,39}$"


class CaptchaOptions(BaseModel):
    model_config = _Options
    length: int = Field(6, ge=4, le=10, strict=True)
    max_attempts: int = Field(5, ge=1, le=20, strict=True)
    lock_seconds: int = Field(900, ge=0, le=86400, strict=True)
    audio: bool = Field(True, strict=True)


class Category(BaseModel):
    """One case of the "cliquez sur le cas qui vous concerne" page (seed 001)."""

    model_config = _Options
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1, max_length=200)
    examples: str | None = Field(None, max_length=300)
    # True: the flow goes on; False: the case gets its own information page.
    continues: bool = Field(False, strict=True)


class ChooseCategoryOptions(BaseModel):
    model_config = _Options
    prompt: str = Field(
        "Pour vous diriger vers le bon service, cliquez sur le cas qui vous concerne :",
        min_length=1,
        max_length=300,
    )
    categories: list[Category] = Field(default_factory=list, max_length=20)

    @field_validator("categories")
    @classmethod
    def _consistent(cls, value: list[Category]) -> list[Category]:
        issues: list[tuple[str, str]] = []
        seen: set[str] = set()
        for index, category in enumerate(value):
            if category.id in seen:
                issues.append((f"[{index}].id", f"duplicate category id {category.id!r}"))
            seen.add(category.id)
        if value and not any(c.continues for c in value):
            issues.append(("", "at least one category must have continues = true"))
        if issues:
            raise issues_error(issues)
        return value


IdentityField = Literal["email", "first_name", "last_name", "country", "organisation_type"]


def _all_identity_fields() -> list[IdentityField]:
    return list(get_args(IdentityField))


class IdentifyByAttributesOptions(BaseModel):
    model_config = _Options
    fields: list[IdentityField] = Field(default_factory=_all_identity_fields, min_length=1)
    default_country: str = Field("FR", pattern=r"^[A-Z]{2}$")
    organisation_types: list[str] = Field(
        default_factory=lambda: [
            "Entreprise",
            "Administration publique",
            "Collectivité territoriale",
            "Association",
            "Établissement d'enseignement ou de recherche",
            "Particulier",
        ],
        min_length=1,
        max_length=30,
    )
    default_organisation_type: str | None = "Entreprise"

    @model_validator(mode="after")
    def _default_is_listed(self) -> IdentifyByAttributesOptions:
        issues: list[tuple[str, str]] = []
        if len(set(self.fields)) != len(self.fields):
            issues.append(("fields", "lists a field twice"))
        if "email" not in self.fields:
            issues.append(("fields", "must include email: the reset link is mailed there"))
        if len(set(self.organisation_types)) != len(self.organisation_types):
            issues.append(("organisation_types", "lists a type twice"))
        default = self.default_organisation_type
        if default is not None and default not in self.organisation_types:
            issues.append(("default_organisation_type", "must be one of organisation_types"))
        if issues:
            raise issues_error(issues)
        return self


class IdentifyByNumberOptions(BaseModel):
    model_config = _Options
    kinds: list[IdentifierKind] = Field(default_factory=lambda: list(IdentifierKind), min_length=1)

    @field_validator("kinds")
    @classmethod
    def _unique(cls, value: list[IdentifierKind]) -> list[IdentifierKind]:
        if len(set(value)) != len(value):
            raise ValueError("lists a kind twice")
        return value


class EmailCodeOptions(BaseModel):
    model_config = _Options
    ttl_seconds: int = Field(600, ge=60, le=86400, strict=True)
    length: int = Field(6, ge=4, le=10, strict=True)
    max_resends: int = Field(3, ge=0, le=20, strict=True)
    resend_cooldown_seconds: int = Field(60, ge=0, le=3600, strict=True)
    max_attempts: int = Field(5, ge=1, le=20, strict=True)


class EmailLinkOptions(BaseModel):
    model_config = _Options
    ttl_seconds: int = Field(3600, ge=60, le=7 * 86400, strict=True)


class SecretQuestionOptions(BaseModel):
    model_config = _Options
    max_attempts: int = Field(3, ge=1, le=20, strict=True)
    lock_seconds: int = Field(900, ge=0, le=7 * 86400, strict=True)


class SetPasswordOptions(BaseModel):
    model_config = _Options
    confirm: bool = Field(True, strict=True)
    strength_meter: bool = Field(False, strict=True)
    # How many generated passwords to suggest (0: none).
    suggestions: int = Field(0, ge=0, le=10, strict=True)


class AcceptRulesOptions(BaseModel):
    model_config = _Options
    label: str = Field(
        "Je reconnais avoir pris connaissance du règlement intérieur",
        min_length=1,
        max_length=300,
    )
    document_url: str | None = Field(None, pattern=r"^(https://|/)[^\s]*$", max_length=500)


class ApplyAsyncOptions(BaseModel):
    model_config = _Options
    # Simulated propagation delay to the directory before the new password works.
    delay_seconds: int = Field(5, ge=0, le=3600, strict=True)
