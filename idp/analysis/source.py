"""Where the analyzed preset comes from: the database, a built-in preset, or a file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from idp.errors import RealmNotFound
from idp.realms.preset import PRESET_DIR, load_preset
from idp.realms.schema import RealmPreset

__all__ = ["PresetNotFound", "load_for_analysis"]


class PresetNotFound(RealmNotFound):
    """Neither the database nor the built-in presets know the slug."""


def load_for_analysis(*, slug: str | None = None, file: Path | None = None) -> RealmPreset:
    """The preset of realm ``slug`` (database first, then the built-in file of that name), or
    the preset in ``file``. Raises ``PresetNotFound`` or ``PresetError``."""
    from idp.recovery.steps import STEPS

    if file is not None:
        return load_preset(file, implemented=STEPS.keys())
    if slug is None:
        raise PresetNotFound("no realm given")
    from idp.realms.store import get_realm, preset_of

    try:
        realm = get_realm(slug)
    except SQLAlchemyError:  # no database yet (never migrated): the built-in presets remain
        from idp.extensions import db

        db.session.rollback()
        realm = None
    if realm is not None:
        return preset_of(realm)
    builtin = PRESET_DIR / f"{slug}.toml"
    if slug.replace("-", "").isalnum() and builtin.is_file():
        return load_preset(builtin, implemented=STEPS.keys())
    raise PresetNotFound(f"unknown realm {slug!r}")
