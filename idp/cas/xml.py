"""CAS 3.0 serviceValidate responses (namespace http://www.yale.edu/tp/cas)."""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape, quoteattr

__all__ = ["failure", "success"]

_OPEN = "<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>"
_CLOSE = "</cas:serviceResponse>"


def success(user: str, attributes: Mapping[str, str]) -> str:
    attrs = "".join(
        f"<cas:{name}>{escape(value)}</cas:{name}>" for name, value in sorted(attributes.items())
    )
    return (
        f"{_OPEN}<cas:authenticationSuccess><cas:user>{escape(user)}</cas:user>"
        f"<cas:attributes>{attrs}</cas:attributes></cas:authenticationSuccess>{_CLOSE}"
    )


def failure(code: str, message: str) -> str:
    return (
        f"{_OPEN}<cas:authenticationFailure code={quoteattr(code)}>{escape(message)}"
        f"</cas:authenticationFailure>{_CLOSE}"
    )
