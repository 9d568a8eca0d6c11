"""The OpenAPI 3.1 document of the device API (spectree), served at /api/device/openapi.json.

Views are documented with ``skip_validation=True``: they validate with the protocol models
themselves so that every failure is an ``ErrorBody`` with a stable code.
"""

from __future__ import annotations

from spectree import SpecTree

__all__ = ["api"]

api = SpecTree(
    "flask",
    title="IdP device API",
    version="v1",
    path="api/device",
    description=(
        "Enrollment of authenticator apps and signed push challenges with number matching. "
        "Messages are ES256 compact JWS; see docs/protocol.md."
    ),
)
