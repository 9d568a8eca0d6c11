"""What the views tell services about the client (services never read ``request``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request

from idp.audit.service import ClientInfo

__all__ = ["client_info", "client_info_of"]


def client_info() -> ClientInfo:
    return client_info_of(request.environ)


def client_info_of(environ: Mapping[str, Any]) -> ClientInfo:
    """The client of a WSGI call: its address (behind a proxy, deploy werkzeug's ProxyFix; we
    never trust X-Forwarded-For by default) and its user agent, as Werkzeug reads them."""
    user_agent = environ.get("HTTP_USER_AGENT", "")[:256]
    return ClientInfo(ip=environ.get("REMOTE_ADDR"), user_agent=user_agent or None)
