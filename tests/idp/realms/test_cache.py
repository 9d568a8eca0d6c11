"""The realm snapshot cache and the pages' realm without a query (idp.realms.cache, store)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from idp.extensions import db
from idp.realms.cache import CONTROL_PREFIX, RealmCache
from idp.realms.preset import load_builtin_presets
from idp.realms.store import get_realm, import_preset, preset_of, realm_for_request
from tests.idp.conftest import text_of
from tests.support.ticks import Ticks


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def _count(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)


def test_the_cache_keeps_a_snapshot_for_its_ttl_and_forgets_on_demand() -> None:
    loads: list[str] = []
    clock = Ticks()

    def load(slug: str) -> object:
        loads.append(slug)
        return object() if slug != "none" else None

    cache = RealmCache(load, ttl=5, monotonic=clock)  # type: ignore[arg-type]
    first = cache.get("jasmin")
    assert cache.get("jasmin") is first
    clock.now = 4.9
    assert cache.get("jasmin") is first
    clock.now = 5.1  # older than its TTL: read again
    second = cache.get("jasmin")
    assert second is not first
    cache.invalidate("jasmin")
    assert cache.get("jasmin") is not second
    cache.on_control(CONTROL_PREFIX + "jasmin")  # another process changed it
    cache.on_control("something-else:jasmin")  # not ours: ignored
    cache.get("jasmin")
    assert loads == ["jasmin"] * 4
    assert cache.get("none") is None
    assert cache.get("none") is None  # an unknown realm is not remembered
    assert loads.count("none") == 2


def test_a_page_gets_its_realm_without_a_query(app: Flask) -> None:
    with app.test_request_context("/realms/jasmin/login"):
        realm_for_request("jasmin")  # fills the cache (its reads are counted elsewhere)
        db.session.remove()
        with _statements() as seen:
            realm = realm_for_request("jasmin")
            assert realm is not None
            preset = preset_of(realm)
            assert realm.display_name == preset.display_name
            assert realm in db.session  # attached: its relationships load as usual
            assert realm.keys  # (this one reads the keys)
        assert len(seen) == 1
        assert "realm_key" in seen[0]
        # Already in the session: the same object, not a second copy.
        assert realm_for_request("jasmin") is realm
        assert get_realm("jasmin") is realm
        assert realm_for_request("no-such-realm") is None


def test_an_imported_change_reaches_the_next_page(app: Flask, client: FlaskClient) -> None:
    assert "AECE CFA JASMIN" in text_of(client.get("/realms/jasmin/login"))
    [preset] = [p for p in load_builtin_presets() if p.slug == "jasmin"]
    with app.app_context():
        import_preset(
            preset.model_copy(update={"display_name": "Jasmin renommé"}),
            now=datetime.now(UTC),
        )
        db.session.commit()
    assert "Jasmin renommé" in text_of(client.get("/realms/jasmin/login"))


def test_pages_do_not_need_the_signing_key(app: Flask, client: FlaskClient) -> None:
    # A data key that cannot open the realm's signing key breaks push, not every page.
    def broken(_slug: str) -> None:
        raise RuntimeError("signing key unreadable")

    app.extensions["idp.realm_cache"]._load = broken
    assert client.get("/realms/jasmin/login").status_code == 200


def test_a_slug_no_realm_can_have_is_not_looked_up() -> None:
    loads: list[str] = []
    cache = RealmCache(loads.append, ttl=5)
    assert cache.get("") is None
    assert cache.get("x" * 41) is None
    assert loads == []
