"""The suite really runs on the engine it was asked for (``pytest --database=...``), each test
on its own database, and the engine-only markers skip on the other engine."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from idp.extensions import db


def test_the_app_runs_on_the_requested_engine(app: Flask, database_engine: str) -> None:
    with app.app_context():
        assert db.engine.dialect.name == database_engine
        # Migrated with the demo realms, as on SQLite.
        realms = db.session.execute(text("SELECT slug FROM realm ORDER BY slug")).scalars().all()
    assert realms == ["jasmin", "metamots", "nouvelle-aquitaine", "uphf"]


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_its_own_database(app: Flask, round_: int) -> None:
    """Both rounds see the template's content only: the first round's change is not there."""
    changed = text("SELECT count(*) FROM realm WHERE display_name = 'changed by a test'")
    with app.app_context():
        before = db.session.execute(changed).scalar_one()
        db.session.execute(
            text("UPDATE realm SET display_name = 'changed by a test' WHERE slug = 'uphf'")
        )
        db.session.commit()
        assert db.session.execute(changed).scalar_one() == 1
    assert before == 0


@pytest.mark.sqlite_only("SQLite's own settings")
def test_sqlite_runs_in_wal_mode(app: Flask) -> None:
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


@pytest.mark.postgresql_only("a PostgreSQL catalogue query")
def test_postgresql_database_is_a_per_test_clone(app: Flask) -> None:
    with app.app_context():
        name = db.session.execute(text("SELECT current_database()")).scalar_one()
    assert name.startswith("t_")
