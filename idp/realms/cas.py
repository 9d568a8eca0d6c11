"""CAS settings of a realm: the ``[cas]`` table (seed 004's "Service Central d'Authentification").

Only registered services get tickets: a service URL must match one of ``services``, each a
scheme + host (+ optional path prefix), compared on the parsed URL, never as a raw prefix.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["CasSettings", "service_allowed"]


class CasSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(False, strict=True)
    # e.g. "https://ent.uphf.example/", "http://127.0.0.1:8765/callback"
    services: list[str] = Field(default_factory=list, max_length=100)
    ticket_ttl_seconds: int = Field(30, ge=5, le=300, strict=True)

    @field_validator("services")
    @classmethod
    def _absolute_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in {"https", "http"} or not parts.hostname:
                raise ValueError(f"{url!r} is not an absolute http(s) URL")
            if parts.query or parts.fragment:
                raise ValueError(f"{url!r}: a registered service has no query or fragment")
        return value


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _effective_port(scheme: str, port: int | None) -> int:
    return port if port is not None else (443 if scheme == "https" else 80)


def service_allowed(settings: CasSettings, service: str) -> bool:
    """Whether ``service`` is under one of the registered service URLs."""
    if not service or len(service) > 2000:
        return False
    try:
        target = urlsplit(service)
        port = target.port
    except ValueError:
        return False
    if target.scheme not in {"https", "http"} or not target.hostname or target.username:
        return False
    for registered in settings.services:
        reg = urlsplit(registered)
        if (reg.scheme, reg.hostname) != (target.scheme, target.hostname):
            continue
        # A loopback service registered without a port accepts any port (local test clients).
        any_port = reg.port is None and reg.hostname in _LOOPBACK
        if not any_port and _effective_port(reg.scheme, reg.port) != _effective_port(
            target.scheme, port
        ):
            continue
        prefix = reg.path or "/"
        path = target.path or "/"
        if path == prefix or path.startswith(prefix if prefix.endswith("/") else prefix + "/"):
            return True
    return False
