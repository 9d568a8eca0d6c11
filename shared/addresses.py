"""Where things are: the rules both sides use to name a realm and reach its device API.

The realm URL ``{idp base url}/realms/{slug}`` is the ``iss`` of challenges and the ``aud`` of
every device -> IdP message. The device API lives under ``{realm url}/api/device/v1``; the app
only knows the offer's base URL and realm when it enrolls, so the enrollment endpoint is derived
here, and the receipt's ``api_url`` names the API from then on. Both the IdP and the app use these
functions, so a trailing slash in a configured base URL cannot make them disagree.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["DEVICE_API_PATH", "device_api_url", "enrollment_url", "realm_url"]

DEVICE_API_PATH: Final = "/api/device/v1"
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def realm_url(base_url: str, realm: str) -> str:
    """``{base_url without trailing slashes}/realms/{realm}``."""
    if _SLUG.fullmatch(realm) is None:
        raise ValueError(f"not a realm slug: {realm!r}")
    return f"{base_url.rstrip('/')}/realms/{realm}"


def device_api_url(base_url: str, realm: str) -> str:
    """``{realm url}/api/device/v1``: what the receipt's ``api_url`` says by default."""
    return realm_url(base_url, realm) + DEVICE_API_PATH


def enrollment_url(base_url: str, realm: str) -> str:
    """``{realm url}/api/device/v1/enroll``: where the app posts its enrollment request."""
    return device_api_url(base_url, realm) + "/enroll"
