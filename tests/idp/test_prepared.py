"""Prepared statements read and write what SQLAlchemy would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from idp.extensions import db
from idp.models import AuditEvent, User
from idp.prepared import Prepared
from idp.sqlite_server import LockingConnection

AT = datetime(2026, 12, 4, 21, 30, 15, 123456, tzinfo=UTC)
INSERT = Prepared.insert(AuditEvent.__table__, generated=("id",))
BY_EVENT = Prepared(
    select(AuditEvent.id, AuditEvent.at, AuditEvent.details, AuditEvent.actor).where(
        AuditEvent.event == bindparam("event")
    )
)


def _row(event: str, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "at": AT,
        "realm": "jasmin",
        "actor": "camille.martin",
        "user_id": None,
        "event": event,
        "outcome": "info",
        "ip": "192.0.2.7",
        "user_agent": None,
        "details": {"challenge_id": "c1", "devices": 2, "nested": {"ok": True}},
    }
    return {**values, **changes}


def test_values_written_and_read_are_those_of_sqlalchemy(app: Flask) -> None:
    with app.app_context():
        conn = db.session.connection()
        assert INSERT.run(conn, _row("prepared_test")) == 1
        db.session.commit()
        # Read back through the ORM: the same types as a row the ORM wrote.
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "prepared_test")
        ).one()
        assert event.at == AT
        assert event.details == {"challenge_id": "c1", "devices": 2, "nested": {"ok": True}}
        # And through the prepared read, compared with Connection.execute's.
        [row] = BY_EVENT.rows(db.session.connection(), {"event": "prepared_test"})
        core = db.session.execute(BY_EVENT.statement, {"event": "prepared_test"}).one()
        assert tuple(row) == tuple(core)
        assert row.at == AT
        assert row.at.tzinfo is not None
        assert row.actor == "camille.martin"
        assert BY_EVENT.first(db.session.connection(), {"event": "nothing"}) is None


def test_literals_and_returning(app: Flask) -> None:
    rename = Prepared(
        update(AuditEvent)
        .where(AuditEvent.event == bindparam("b_event"))
        .values(outcome="suspicious", actor=bindparam("b_actor"))
        .returning(AuditEvent.outcome, AuditEvent.actor)
    )
    with app.app_context():
        INSERT.run(db.session.connection(), _row("to_rename"))
        rows = rename.rows(db.session.connection(), {"b_event": "to_rename", "b_actor": "x"})
        assert [(r.outcome, r.actor) for r in rows] == [("suspicious", "x")]
        assert rename.rows(db.session.connection(), {"b_event": "none", "b_actor": "x"}) == []
        db.session.rollback()


def test_run_and_rows_are_not_interchangeable(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(TypeError, match="returns no rows"):
            INSERT.rows(db.session.connection(), _row("wrong_call"))
        with pytest.raises(TypeError, match="returns rows"):
            BY_EVENT.run(db.session.connection(), {"event": "x"})
        db.session.rollback()


def test_driver_errors_are_sqlalchemys(app: Flask) -> None:
    with app.app_context():
        conn = db.session.connection()
        INSERT.run(conn, _row("dup"))
        [row] = BY_EVENT.rows(conn, {"event": "dup"})
        with_id = Prepared.insert(AuditEvent.__table__)
        with pytest.raises(IntegrityError):
            with_id.run(conn, {**_row("dup"), "id": row.id})
        db.session.rollback()
        # The session goes on after the rollback.
        assert BY_EVENT.first(db.session.connection(), {"event": "dup"}) is None


def test_an_insert_without_one_of_its_columns_fails(app: Flask) -> None:
    row = _row("incomplete")
    del row["user_agent"]  # as if the column were added to the table and not to the caller
    with app.app_context():
        with pytest.raises((KeyError, DBAPIError)):
            INSERT.run(db.session.connection(), row)
        db.session.rollback()


def test_expanding_parameters_are_refused(app: Flask) -> None:
    many = Prepared(select(User.id).where(User.id.in_(bindparam("ids", expanding=True))))
    with app.app_context(), pytest.raises(ValueError, match="cannot expand"):
        many.rows(db.session.connection(), {"ids": [1, 2]})


@pytest.mark.sqlite_only("SQLite's process write lock")
def test_writes_and_row_locks_take_sqlites_write_lock_reads_do_not(app: Flask) -> None:
    lock_user = Prepared(select(User.id).where(User.id == bindparam("id")).with_for_update())
    with app.app_context():
        raw = db.session.connection().connection.driver_connection
        assert isinstance(raw, LockingConnection)
        BY_EVENT.rows(db.session.connection(), {"event": "x"})
        assert not raw.holds_write_lock
        lock_user.rows(db.session.connection(), {"id": 1})
        assert raw.holds_write_lock
        db.session.rollback()
        assert not raw.holds_write_lock
        raw = db.session.connection().connection.driver_connection
        INSERT.run(db.session.connection(), _row("locked"))
        assert raw.holds_write_lock
        db.session.commit()
        assert not raw.holds_write_lock


@pytest.mark.postgresql_only("a server connection that can be lost")
def test_a_lost_connection_is_invalidated_as_sqlalchemy_does(app: Flask) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with app.app_context():
        conn = db.session.connection()
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        # Another connection (this one stays checked out) ends this one's server process, as a
        # restart or a failover would.
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(OperationalError) as caught:
            BY_EVENT.rows(db.session.connection(), {"event": "x"})
        assert caught.value.connection_invalidated
        db.session.rollback()
        # The pool does not hand the dead connection out again: the next statement works.
        assert BY_EVENT.rows(db.session.connection(), {"event": "x"}) == []


def test_errors_hide_the_parameters_when_the_engine_does() -> None:
    from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine

    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("v", String))
    add = Prepared(insert(table), columns=("id", "v"))
    for hidden in (False, True):
        engine = create_engine("sqlite://", hide_parameters=hidden)
        table.metadata.create_all(engine)
        with engine.connect() as conn:
            add.run(conn, {"id": 1, "v": "secret-value"})
            with pytest.raises(IntegrityError) as caught:
                add.run(conn, {"id": 1, "v": "secret-value"})
        assert ("secret-value" in str(caught.value)) is not hidden
        engine.dispose()
