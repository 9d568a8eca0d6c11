"""The protocol version every message carries in its ``v`` member.

A receiver accepts any version from 1 up to :data:`PROTOCOL_VERSION` and refuses newer ones with
``unsupported_version`` (a newer message may have another shape, so the version is checked before
the shape). The IdP also refuses device messages older than :data:`MIN_DEVICE_VERSION` with
``upgrade_required`` (HTTP 426): the app must be updated.

History: 1, the SSE stream carried only hints and the device fetched ``pending`` for every
challenge; 2, the ``challenge`` hint carries the signed challenge itself (one request fewer per
round trip; ``pending`` remains the catch-up after a reconnection).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from shared.errors import UnsupportedVersion, UpgradeRequired

__all__ = [
    "MIN_DEVICE_VERSION",
    "PROTOCOL_VERSION",
    "require_current_device_version",
    "require_supported_version",
]

PROTOCOL_VERSION: Final = 2
MIN_DEVICE_VERSION: Final = 2


def require_supported_version(members: Mapping[str, object]) -> None:
    """Refuse a decoded message whose ``v`` is newer than :data:`PROTOCOL_VERSION`.

    Run before shape validation: a newer message may have another shape, and the honest answer
    to it is ``unsupported_version``, not ``message_malformed``. Other bad ``v`` values are left
    to the model (they are malformed).
    """
    version = members.get("v")
    if isinstance(version, int) and not isinstance(version, bool) and version > PROTOCOL_VERSION:
        raise UnsupportedVersion(f"version {version} is newer than {PROTOCOL_VERSION}")


def require_current_device_version(version: int) -> None:
    """Refuse a device message older than :data:`MIN_DEVICE_VERSION` (an app to update)."""
    if version < MIN_DEVICE_VERSION:
        raise UpgradeRequired(
            f"protocol version {version} is no longer served; version {MIN_DEVICE_VERSION} "
            "or newer is required (update the authenticator app)"
        )
