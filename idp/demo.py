"""Loading presets and demo users (``idp init-demo``, ``idp realm import``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import current_app

from idp.clock import now
from idp.extensions import db
from idp.realms.preset import load_builtin_presets, load_preset
from idp.realms.schema import DemoUser, RealmPreset
from idp.realms.store import ensure_demo_users, import_preset
from idp.security.passwords import current_hasher

__all__ = ["banner", "import_file", "load_demo"]


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
    yield from lines
    yield ""
    yield from banner(presets, current_app.config["BASE_URL"])


# What each recovery step asks, and where the demo account's answer comes from.
_ASKS: dict[str, tuple[tuple[str, str], ...]] = {
    "captcha": (("identifier", "username"),),
    "identify_by_email": (("mailbox", "email"),),
    "identify_by_attributes": (
        ("email", "email"),
        ("first name", "first_name"),
        ("last name", "last_name"),
        ("country", "country"),
        ("organisation type", "organisation_type"),
    ),
    "identify_by_number_and_birth_date": (
        ("student no.", "student_number"),
        ("INE", "ine"),
        ("staff no.", "staff_number"),
        ("UID", "uid"),
        ("birth date", "birth_date"),
    ),
    "verify_secret_question": (("joker answer", "secret_answer"),),
}


def _value(user: DemoUser, source: str) -> str | None:
    if source in {"username", "email"}:
        return getattr(user, source) or None
    value = user.attrs.get(source)
    if value and source == "birth_date":
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"  # as the form asks it: jj/mm/aaaa
    return value or None


def banner(presets: list[RealmPreset], base: str) -> Iterator[str]:
    """Per realm: where to sign in, each demo account, and every datum its recovery asks."""
    yield "Demo accounts, and what each realm's « forgot password » asks:"
    for preset in presets:
        steps = list(preset.recovery.steps)
        yield ""
        yield f"{preset.display_name} ({preset.slug}): {base}/realms/{preset.slug}/login"
        if "verify_email_code" in steps or "verify_email_link" in steps:
            yield f"  mails (codes, links) are shown at {base}/_dev/mail/view"
        if "captcha" in steps:
            yield "  captcha: type the characters of the image"
        if "verify_push" in steps:
            yield "  push: approve in the authenticator app (a device must be enrolled)"
        if "choose_category" in steps:
            going_on = [c.label for c in preset.recovery.choose_category.categories if c.continues]
            yield "  category: " + " / ".join(f"« {label} »" for label in going_on)
        for user in preset.demo_users:
            password = user.password if user.activated else "none yet: « Activer mon compte »"
            yield f"  - {user.username}  password: {password}"
            asked = [
                f"{label}: {value}"
                for step in steps
                for label, source in _ASKS.get(step, ())
                if (value := _value(user, source)) is not None
            ]
            if asked:
                yield "      recovery: " + "; ".join(dict.fromkeys(asked))


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
