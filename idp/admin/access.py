"""Who may open the realm admin console.

Security decisions:
- A realm admin is a user of that realm with ``is_admin`` (``idp admin grant``); an admin of
  one realm is nobody in another (sessions are per realm).
- On a realm with push, the admin's session must carry ``mfa`` (signed in with the password
  and an approved push): a stolen password alone never opens the console.
- Anonymous visitors go to the sign-in page; signed-in non-admins get 403 on every admin URL,
  GET or POST, before any form is read.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, render_template, request, url_for

from idp.auth.session import current_browser_session
from idp.realms.schema import RealmPreset

__all__ = ["admin_required", "second_factor_required"]

F = TypeVar("F", bound=Callable[..., Any])


def second_factor_required(preset: RealmPreset) -> bool:
    return bool(preset.push.enabled)


def admin_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        row = current_browser_session(g.realm)
        if row is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if not row.user.is_admin:
            return render_template("admin/forbidden.html", reason="not_admin"), 403
        if second_factor_required(g.preset) and not row.mfa:
            return render_template("admin/forbidden.html", reason="second_factor"), 403
        g.user = row.user
        g.admin = row.user
        g.user_language = row.user.language
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
