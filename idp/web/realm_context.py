"""Load the realm named in the URL before any realm view runs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g

from idp.realms.store import preset_of, realm_for_request

__all__ = ["bind_realm"]


def bind_realm(bp: Blueprint) -> None:
    """Every route of ``bp`` has ``<slug>``; unknown realms are a 404 in the realm-less layout."""

    @bp.url_value_preprocessor
    def _load(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        slug = (values or {}).get("slug", "")
        realm = realm_for_request(slug) if isinstance(slug, str) else None
        if realm is None:
            g.realm = None
            abort(404)
        preset = preset_of(realm)
        g.realm = realm
        g.preset = preset
        g.realm_languages = tuple(preset.languages)
        g.realm_default_language = preset.default_language

    @bp.url_defaults
    def _slug(endpoint: str, values: dict[str, Any]) -> None:
        realm = getattr(g, "realm", None)
        if realm is not None and "slug" not in values:
            values["slug"] = realm.slug
