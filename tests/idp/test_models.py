"""Models, migrations and the timezone-aware datetime type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from idp import create_app
from idp.extensions import db
from idp.models import AuditEvent
from tests.idp.conftest import make_config


def test_datetimes_come_back_aware_in_utc(app: Flask) -> None:
    paris = timezone(timedelta(hours=1))
    with app.app_context():
        row = AuditEvent(
            at=datetime(2026, 1, 1, 12, 0, tzinfo=paris), event="x", outcome="info", details={}
        )
        db.session.add(row)
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(AuditEvent, row.id)
        assert stored.at == datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
        assert stored.at.tzinfo is not None


def test_naive_datetimes_are_refused(app: Flask) -> None:
    from sqlalchemy.exc import StatementError

    with app.app_context():
        db.session.add(AuditEvent(at=datetime(2026, 1, 1), event="x", outcome="info", details={}))
        with pytest.raises(StatementError, match="naive datetime"):
            db.session.commit()
        db.session.rollback()


def test_migrations_match_the_models(app: Flask) -> None:
    """A model change without its migration fails here (alembic autogenerate finds no diff)."""
    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"render_as_batch": True})
        diff = [d for d in compare_metadata(ctx, db.metadata) if d[0] != "modify_type"]
    assert diff == []


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    app = create_app(make_config(tmp_path / "m.sqlite3"))
    with app.app_context():
        upgrade()
        assert "user_account" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "user_account" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "challenge" in inspect(db.engine).get_table_names()
