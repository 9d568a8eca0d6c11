"""What the views tell services about the client (services never read ``request``)."""

from __future__ import annotations

from flask import request

from idp.audit.service import ClientInfo

__all__ = ["client_info"]


def client_info() -> ClientInfo:
    # Behind a proxy, deploy werkzeug's ProxyFix; we never trust X-Forwarded-For by default.
    return ClientInfo(ip=request.remote_addr, user_agent=request.user_agent.string[:256] or None)
