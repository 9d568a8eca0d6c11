"""Bodies of the JSON admin API (documented in its own OpenAPI document)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ActionBody",
    "ActionResult",
    "AuditList",
    "AuditQuery",
    "ClientBody",
    "ClientList",
    "ClientReply",
    "ErrorReply",
    "ReasonBody",
    "RemovedReply",
    "UserList",
    "UserQuery",
]


class ErrorReply(BaseModel):
    error: str = Field(description="stable code: unauthorized, unknown_user, invalid_request...")
    message: str


class UserQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str = Field("", max_length=120, description="identifier/email prefix, name, number")
    after: str = Field("", max_length=120, description="`next` of the previous page")
    limit: int = Field(50, ge=1, le=200)


class UserList(BaseModel):
    users: list[dict[str, Any]]
    next: str | None = Field(description="pass as `after` for the next page; null at the end")


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200, description="kept in the audit trail")
    kind: Literal["all", "captcha", "secret", "push_report"] = Field(
        "all", description="unlock only"
    )
    device_id: str = Field("", max_length=64, description="remove-device only")


class ActionResult(BaseModel):
    user: str
    action: str
    changed: bool
    count: int | None = None
    temporary_password: str | None = Field(
        None, description="temporary-password only: shown once, to be changed at next sign-in"
    )


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str = Field("", max_length=120)
    event: str = Field("", max_length=64)
    outcome: Literal["", "success", "failure", "suspicious", "info"] = ""
    since: str = Field("", max_length=10, description="YYYY-MM-DD (UTC), included")
    until: str = Field("", max_length=10, description="YYYY-MM-DD (UTC), included")
    before: int | None = Field(None, ge=1, description="`next` of the previous page")
    limit: int = Field(50, ge=1, le=500)


class AuditList(BaseModel):
    events: list[dict[str, Any]]
    next: int | None


class ClientReply(BaseModel):
    client_id: str
    name: str
    public: bool
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    id_token_alg: str
    created_at: str
    consents: int = Field(description="users who have authorized the application")
    client_secret: str | None = Field(
        None, description="creation only, confidential clients: shown once, only its hash is kept"
    )


class ClientList(BaseModel):
    clients: list[ClientReply]


class ClientBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    redirect_uris: list[str] = Field(min_length=1, max_length=20, description="matched exactly")
    post_logout_redirect_uris: list[str] = Field(default_factory=list, max_length=20)
    public: bool = Field(False, description="no secret; PKCE S256 required")
    id_token_alg: Literal["ES256", "RS256"] = "ES256"  # noqa: S105 - an algorithm name
    reason: str = Field(min_length=1, max_length=200, description="kept in the audit trail")


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200, description="kept in the audit trail")


class RemovedReply(BaseModel):
    client_id: str
    removed: bool
