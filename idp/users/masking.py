"""Show an identifier or an address without disclosing it ("c...@...", seed 001)."""

from __future__ import annotations

__all__ = ["mask_email", "mask_identifier"]


def mask_identifier(identifier: str) -> str:
    """``claire@x.fr`` -> ``c...@...``; ``claire.fontaine`` -> ``c...``."""
    if not identifier:
        return "..."
    return f"{identifier[0]}...@..." if "@" in identifier else f"{identifier[0]}..."


def mask_email(email: str) -> str:
    """``claire@gmail.com`` -> ``c...@...mail.com``: first letter, and the domain's end only."""
    local, _, domain = email.partition("@")
    if not local or not domain:
        return "..."
    first_label = domain.split(".", 1)[0]
    hidden = max(1, len(first_label) // 3)  # "gmail.com" -> "mail.com", as in the guide
    return f"{local[0]}...@...{domain[hidden:]}"
