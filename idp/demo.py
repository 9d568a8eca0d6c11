"""Loading presets and demo users (``idp init-demo``, ``idp realm import``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import current_app

from idp.clock import now
from idp.extensions import db
from idp.realms.preset import load_builtin_presets, load_preset
from idp.realms.store import ensure_demo_users, import_preset
from idp.security.passwords import current_hasher

__all__ = ["import_file", "load_demo"]


def load_demo() -> Iterator[str]:
    """Import the built-in presets and their demo users; safe to run again."""
    presets = load_builtin_presets()
    lines: list[str] = []
    try:
        for preset in presets:
            realm, created = import_preset(preset, now=now())
            added = ensure_demo_users(realm, preset, hasher=current_hasher(), now=now())
            state = "created" if created else "up to date"
            lines.append(f"realm {preset.slug}: {state}, {added} demo user(s) added")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    base = current_app.config["BASE_URL"]
    yield from lines
    yield ""
    yield "Demo accounts (realm / identifier / password / sign-in page):"
    for preset in presets:
        for user in preset.demo_users:
            yield (
                f"  {preset.slug:<20} {user.username:<28} {user.password or '(to activate)':<22} "
                f"{base}/realms/{preset.slug}/login"
            )


def import_file(path: Path, *, with_demo_users: bool) -> str:
    """Validate then import one preset file in a single transaction."""
    from idp.recovery.steps import STEPS

    # A step this installation does not run would leave the realm with a dead recovery link.
    preset = load_preset(path, implemented=STEPS.keys())
    try:
        realm, created = import_preset(preset, now=now())
        added = 0
        if with_demo_users:
            added = ensure_demo_users(realm, preset, hasher=current_hasher(), now=now())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    verb = "imported" if created else "updated"
    return f"realm {preset.slug} {verb} from {path}" + (
        f" ({added} demo user(s) added)" if with_demo_users else ""
    )
