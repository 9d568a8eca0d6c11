"""privacyIDEA push tokens (poll only), as privacyIDEA 3.14's ``/ttype/push`` speaks them.

Kept apart from this project's own push protocol (:mod:`..device_client`, :mod:`..challenges`):
different keys (RSA, PKCS#1 v1.5, SHA-256, base32 signatures), different messages, no SSE.

- :mod:`.uri`: the ``otpauth://pipush/`` enrollment URI;
- :mod:`.signing`: keys, the exact signed texts, RFC 8785 for ``capabilities_signature``;
- :mod:`.client`: the HTTP calls (enrollment step 2, poll, answer);
- :mod:`.service`: enroll into the vault, fetch and verify challenges, answer them.

``docs/interop.md`` describes the protocol as implemented.
"""

from __future__ import annotations

from authenticator_app.core.pipush.service import PiChallenge, PiPushService
from authenticator_app.core.pipush.uri import PiPushOffer, is_pipush_uri, parse_pipush_uri

__all__ = ["PiChallenge", "PiPushOffer", "PiPushService", "is_pipush_uri", "parse_pipush_uri"]
