"""Prepared statements read and write what SQLAlchemy would, on SQLite and PostgreSQL; loaders
give the instances the ORM would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import bindparam, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from idp.extensions import db
from idp.models import AuditEvent, Device, User
from idp.prepared import Loader, Prepared
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


# -- Loader: whole ORM instances ------------------------------------------------------------

USER_BY_NAME = Loader(User, User.username == bindparam("name"))
DEVICES_OF = Loader(
    Device, Device.user_id == bindparam("user_id"), order_by=(Device.enrolled_at.desc(),)
)


def _columns(instance: object) -> dict[str, object]:
    mapper = inspect(type(instance))
    return {prop.key: getattr(instance, prop.key) for prop in mapper.column_attrs}


def test_a_loaded_instance_is_what_the_orm_loads(app: Flask) -> None:
    with app.app_context():
        user = USER_BY_NAME.one(db.session, {"name": "camille.martin"})
        assert user is not None
        assert inspect(user).persistent
        assert not db.session.dirty
        loaded = _columns(user)
        db.session.expunge(user)
        orm = db.session.get(User, loaded["id"])
        assert orm is not user
        assert _columns(orm) == loaded
        assert USER_BY_NAME.one(db.session, {"name": "nobody"}) is None
        db.session.rollback()


def test_a_loaded_instance_lazy_loads_its_relations_and_flushes_its_changes(app: Flask) -> None:
    with app.app_context():
        user = USER_BY_NAME.one(db.session, {"name": "camille.martin"})
        assert user is not None
        assert user.realm.slug == "jasmin"  # a relationship, loaded on first access
        user.display_name = "Camille M."
        assert user in db.session.dirty
        db.session.commit()
        db.session.expunge_all()
        again = db.session.scalars(select(User).where(User.id == user.id)).one()
        assert again.display_name == "Camille M."


def test_an_instance_already_in_the_session_is_returned_as_it_is(app: Flask) -> None:
    with app.app_context():
        known = db.session.scalars(select(User).where(User.username == "camille.martin")).one()
        known.display_name = "not flushed yet"
        assert USER_BY_NAME.one(db.session, {"name": "camille.martin"}) is known
        assert known.display_name == "not flushed yet"
        db.session.rollback()


def test_all_keeps_the_statements_order(app: Flask) -> None:
    with app.app_context():
        user = USER_BY_NAME.one(db.session, {"name": "camille.martin"})
        assert user is not None
        for i in range(3):
            db.session.add(
                Device(
                    id=f"loader-{i}",
                    user_id=user.id,
                    name=f"d{i}",
                    platform="test",
                    app_version="0",
                    public_jwk={"kty": "EC", "i": i},
                    jwk_thumbprint=f"loader-{i}",
                    enrolled_at=AT.replace(minute=i),
                )
            )
        db.session.commit()
        db.session.expunge_all()
        devices = DEVICES_OF.all(db.session, {"user_id": user.id})
        assert [d.id for d in devices] == ["loader-2", "loader-1", "loader-0"]
        assert devices[0].public_jwk == {"kty": "EC", "i": 2}  # JSON, through its type
        assert devices[0].enrolled_at == AT.replace(minute=2)
        assert devices[0].user.username == "camille.martin"


def test_only_plain_columns_can_be_loaded() -> None:
    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "thing"
        id: Mapped[int] = mapped_column(primary_key=True)
        body: Mapped[str] = mapped_column(deferred=True)

    with pytest.raises(TypeError, match=r"Thing\.body: only plain columns"):
        Loader(Thing, Thing.id == bindparam("id"))
