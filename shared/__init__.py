"""The wire protocol shared by the IdP and the authenticator: messages, keys, signatures.

Imports only the standard library, pydantic, PyJWT and cryptography (a test enforces it).

- :mod:`shared.messages`: pydantic models of every message, one module per family;
- :mod:`shared.keys`: ES256 keys, JWK import/export, RFC 7638 thumbprints, :class:`Jwks`;
- :mod:`shared.jws`: :func:`sign` / :func:`verify` compact ES256 JWS with typed errors;
- :mod:`shared.enrollment_proof`: verify an enrollment request against the key it carries;
- :mod:`shared.errors`: :class:`ProtocolError` and its stable codes;
- :mod:`shared.schemas`: JSON Schemas of the messages (``docs/schemas/``).
"""

from __future__ import annotations

from shared.addresses import device_api_url, enrollment_url, realm_url
from shared.version import PROTOCOL_VERSION

__all__ = ["PROTOCOL_VERSION", "device_api_url", "enrollment_url", "realm_url"]
