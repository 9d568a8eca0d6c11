"""The kinds of mail the IdP sends, and what each template needs.

A kind is a pair of templates, ``templates/mail/<kind>.txt`` and ``templates/mail/<kind>.html``
(the subject is the HTML template's ``subject`` block). ``REQUIRED`` lists the context values
a kind cannot do without; the templates document their optional ones at the top.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["KINDS", "REQUIRED"]

REQUIRED: Mapping[str, frozenset[str]] = {
    # optional: display_name, ip, browser, login_url
    "password_changed": frozenset({"realm_name", "when"}),
    # optional: display_name, ip, browser, security_url
    "security_info_changed": frozenset({"realm_name", "when", "change"}),
    # optional: display_name
    "security_code": frozenset({"realm_name", "code", "expires_minutes"}),
    # optional: display_name
    "reset_link": frozenset({"realm_name", "link", "expires_minutes"}),
    # optional: display_name, login_url
    "identifier_reminder": frozenset({"realm_name", "identifier"}),
    # optional: display_name
    "email_verification": frozenset({"realm_name", "link", "expires_hours", "email"}),
    # optional: display_name, ip, profile_url
    "recovery_code_used": frozenset({"realm_name", "when", "remaining"}),
}

KINDS = frozenset(REQUIRED)
