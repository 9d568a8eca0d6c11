"""What the app shows about a sign-in attempt: browser, approximate location, time.

No GeoIP database ships with the IdP, so the location is what can be said from the address
alone ("Réseau local" for loopback and private ranges); a deployment can plug a real lookup in.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime

__all__ = ["approximate_location", "describe_browser", "make_context"]

_BROWSERS = [
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:HeadlessChrome|Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+).*Safari/")),
]
_SYSTEMS = [
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X")),
    ("Linux", re.compile(r"Linux|X11")),
]


def describe_browser(user_agent: str | None) -> str:
    ua = (user_agent or "")[:512]
    browser = next(
        (f"{name} {m.group(1)}" for name, rx in _BROWSERS if (m := rx.search(ua))),
        "Navigateur inconnu",
    )
    system = next((name for name, rx in _SYSTEMS if rx.search(ua)), None)
    return f"{browser} ({system})" if system else browser


def approximate_location(ip: str | None) -> str:
    try:
        addr = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return "Inconnue"
    if addr.is_loopback or addr.is_private or addr.is_link_local:
        return "Réseau local"
    return "Inconnue"


def make_context(
    *, service: str, ip: str | None, user_agent: str | None, now: datetime
) -> dict[str, str]:
    return {
        "service": service[:120],
        "client_ip": ip or "0.0.0.0",  # noqa: S104 - a placeholder shown to the user, not a bind
        "location": approximate_location(ip),
        "browser": describe_browser(user_agent)[:120],
        "time": now.isoformat(timespec="seconds"),
    }
