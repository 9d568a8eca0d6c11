"""The protocol version every message carries in its ``v`` member.

A receiver accepts any version from 1 up to :data:`PROTOCOL_VERSION` and refuses newer ones with
``unsupported_version`` (a newer message may have another shape, so the version is checked before
the shape).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from shared.errors import UnsupportedVersion

__all__ = ["PROTOCOL_VERSION", "require_supported_version"]

PROTOCOL_VERSION: Final = 1


def require_supported_version(members: Mapping[str, object]) -> None:
    """Refuse a decoded message whose ``v`` is newer than :data:`PROTOCOL_VERSION`.

    Run before shape validation: a newer message may have another shape, and the honest answer
    to it is ``unsupported_version``, not ``message_malformed``. Other bad ``v`` values are left
    to the model (they are malformed).
    """
    version = members.get("v")
    if isinstance(version, int) and not isinstance(version, bool) and version > PROTOCOL_VERSION:
        raise UnsupportedVersion(f"version {version} is newer than {PROTOCOL_VERSION}")
