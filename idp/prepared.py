"""Prepared statements: SQLAlchemy Core statements compiled once per dialect, run on the driver.

The push hot path runs a dozen small statements per round trip. Through ``Connection.execute``
each one pays SQLAlchemy's per-execution work again (the cache key hashed for the compiled
cache, the parameters rebuilt through the bind processors, the result set up, the events
fired): about as much CPU as the statement itself on SQLite. A :class:`Prepared` statement
keeps what does not change per call (the SQL text, the parameter order, the bind and result
processors, whether it writes) and runs on the session's DBAPI connection, *in its
transaction*, so commits, rollbacks and the pool stay the session's.

What ``Connection.execute`` would have done and this module keeps:
- the column types' bind and result processors (``UTCDateTime``, JSON, SQLite's dates), taken
  from the types themselves, so values read or written are the same as through the ORM;
- SQLite's process-wide write lock (:mod:`idp.sqlite_server`), taken before a write or a
  ``SELECT ... FOR UPDATE``;
- driver errors raised as SQLAlchemy's (``OperationalError`` answers 503 in the web layer),
  and a lost connection invalidated, as SQLAlchemy does.

Statements with expanding (``IN``) or literal-execute parameters are refused at compile time.

:class:`Loader` reads whole ORM instances the same way, for the pages that need the objects
(a signed-in user, their devices) but not the ORM's loading machinery (``Session.get`` of a
user cost about 165 us on SQLite, this about 50).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Table, insert, inspect, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ColumnProperty, Session, make_transient_to_detached, scoped_session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import SelectBase

from idp.sqlite_server import LockingConnection

__all__ = ["Loader", "Prepared", "attach"]

_Processor = Callable[[Any], Any]
M = TypeVar("M")


@dataclass(frozen=True)
class _Plan:
    """One statement compiled for one dialect."""

    sql: str
    # Positional drivers (SQLite): the parameters in order, each with its bind processor.
    ordered: tuple[tuple[str, _Processor | None], ...] | None
    defaults: Mapping[str, Any]  # literal values and bind parameters' own values
    binds: tuple[tuple[str, _Processor], ...]  # the parameters that have a bind processor
    results: tuple[tuple[int, _Processor], ...] | None  # None: the statement returns no rows
    row: type[tuple[Any, ...]] | None  # results: the columns that have a result processor
    writes: bool


class Prepared:
    """A Core statement compiled once per dialect; :meth:`rows` / :meth:`run` execute it."""

    def __init__(self, statement: ClauseElement, *, columns: Sequence[str] = ()) -> None:
        """``columns``: for an ``INSERT`` without ``values()``, the columns it sets."""
        self.statement = statement
        self._columns = list(columns)
        self._plans: dict[str, _Plan] = {}

    @classmethod
    def insert(
        cls, table: Table, *, generated: Collection[str] = (), returning: Sequence[Any] = ()
    ) -> Prepared:
        """``INSERT`` of one row that gives every column of ``table`` but the ``generated`` ones
        (an autoincrement id): a column added to the table later and not given by the caller
        fails at once, as a missing parameter, instead of being left to a default silently."""
        statement = insert(table)
        if returning:
            statement = statement.returning(*returning)
        return cls(statement, columns=[c.key for c in table.columns if c.key not in generated])

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Run a statement that returns rows; its rows, as named tuples."""
        found = self._execute(conn, params)
        if not isinstance(found, list):
            raise TypeError("this statement returns no rows: use run()")
        return found

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        """The first row, or None."""
        found = self.rows(conn, params)
        return found[0] if found else None

    def run(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        found = self._execute(conn, params)
        if not isinstance(found, int):
            raise TypeError("this statement returns rows: use rows()")
        return found

    # ------------------------------------------------------------------ internals

    def _plan(self, dialect: Dialect) -> _Plan:
        key = f"{dialect.name}+{dialect.driver}"  # the driver decides the parameter style
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(dialect)
        return plan

    def _compile(self, dialect: Dialect) -> _Plan:
        statement = self.statement
        kwargs: dict[str, Any] = {"column_keys": self._columns} if self._columns else {}
        compiled = statement.compile(dialect=dialect, **kwargs)
        if not isinstance(compiled, SQLCompiler):  # pragma: no cover - DDL is not prepared
            raise TypeError("only SELECT, INSERT, UPDATE and DELETE can be prepared")
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a prepared statement cannot expand parameters")
        binds: dict[str, _Processor] = {}
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                binds[name] = processor
        defaults = {
            name: bind.effective_value
            for bind, name in compiled.bind_names.items()
            if not bind.required
        }
        returned = _returned_columns(statement)
        results: tuple[tuple[int, _Processor], ...] | None = None
        row: type[tuple[Any, ...]] | None = None
        if returned is not None:
            processors = [
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in returned
            ]
            results = tuple((i, p) for i, p in enumerate(processors) if p is not None)
            names = [c.key or f"c{i}" for i, c in enumerate(returned)]
            row = namedtuple("Row", names, rename=True)  # type: ignore[misc,no-redef]
        reads = isinstance(statement, SelectBase)
        for_update = reads and getattr(statement, "_for_update_arg", None) is not None
        return _Plan(
            sql=compiled.string,
            ordered=(
                tuple((name, binds.get(name)) for name in compiled.positiontup or ())
                if compiled.positional
                else None
            ),
            defaults=defaults,
            binds=tuple(binds.items()),
            results=results,
            row=row,
            writes=not reads or for_update,
        )

    def _execute(self, conn: Connection, params: Mapping[str, Any]) -> list[Any] | int:
        dialect = conn.dialect
        plan = self._plan(dialect)
        arguments = _arguments(plan, params)
        raw = conn.connection.driver_connection
        if plan.writes and isinstance(raw, LockingConnection):
            raw.take_write_lock()
        cursor = raw.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(plan.sql, arguments)
            if plan.results is None:
                return int(cursor.rowcount)
            fetched = cursor.fetchall()
        except dialect.loaded_dbapi.Error as exc:
            invalidated = dialect.is_disconnect(exc, raw, cursor)
            if invalidated:
                conn.invalidate(exc)
            raise DBAPIError.instance(
                plan.sql,
                arguments,
                exc,
                dialect.loaded_dbapi.Error,
                hide_parameters=conn.engine.hide_parameters,  # as the engine says
                connection_invalidated=invalidated,
                dialect=dialect,
            ) from exc
        finally:
            cursor.close()
        return _rows(plan, fetched)


def _arguments(plan: _Plan, params: Mapping[str, Any]) -> Any:
    """The driver's parameters: through their bind processors, in order for a positional one."""
    values = {**plan.defaults, **params} if plan.defaults else params
    if plan.ordered is not None:  # one pass: each value in its place, processed
        return tuple([values[name] if p is None else p(values[name]) for name, p in plan.ordered])
    arguments = dict(values)
    for name, p in plan.binds:
        if name in arguments:
            arguments[name] = p(arguments[name])
    return arguments


def _rows(plan: _Plan, fetched: Sequence[Sequence[Any]]) -> list[Any]:
    """Named rows, the columns that have a result processor through it."""
    convert, make = plan.results, plan.row
    if make is None:  # pragma: no cover - a plan with results has its row type
        raise TypeError("no row type")
    if not convert:
        return [make(*r) for r in fetched]
    rows = []
    for r in fetched:
        columns = list(r)
        for i, p in convert:
            columns[i] = p(columns[i])
        rows.append(make(*columns))
    return rows


class Loader(Generic[M]):
    """Persistent instances of one mapped class, read by a prepared ``SELECT`` of its columns.

    Each row becomes an instance with every column loaded (relationships load lazily, as
    usual) and joins the session as persistent: changes to it flush as to any loaded object.
    An instance already in the session's identity map is returned as it is, as a query does
    (the session does not expire on commit; an expired one reloads itself when read).
    Only plain column attributes are supported (checked once, here).
    """

    def __init__(self, model: type[M], *where: Any, order_by: Sequence[Any] = ()) -> None:
        mapper = inspect(model)
        props = list(mapper.column_attrs)
        for prop in props:
            if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1 or prop.deferred:
                raise TypeError(f"{model.__name__}.{prop.key}: only plain columns can be loaded")
        self._model = model
        self._mapper = mapper
        self._keys = tuple(prop.key for prop in props)
        self._pk = tuple(
            self._keys.index(mapper.get_property_by_column(c).key) for c in mapper.primary_key
        )
        columns = [prop.columns[0] for prop in props]
        self._statement = Prepared(select(*columns).where(*where).order_by(*order_by))

    def all(self, session: Session | scoped_session[Any], params: Mapping[str, Any]) -> list[M]:
        """The instances of the matching rows, in the statement's order."""
        rows = self._statement.rows(session.connection(), params)
        return [self._instance(session, row) for row in rows]

    def one(self, session: Session | scoped_session[Any], params: Mapping[str, Any]) -> M | None:
        """The instance of the first matching row, or None."""
        row = self._statement.first(session.connection(), params)
        return None if row is None else self._instance(session, row)

    def _instance(self, session: Session | scoped_session[Any], row: Sequence[Any]) -> M:
        mapper = self._mapper
        key = mapper.identity_key_from_primary_key(tuple(row[i] for i in self._pk))
        known = session.identity_map.get(key)
        if known is not None:
            return known  # type: ignore[no-any-return]
        return attach(session, self._model, zip(self._keys, row, strict=True))


def attach(
    session: Session | scoped_session[Any],
    model: type[M],
    values: Mapping[str, Any] | Iterable[tuple[str, Any]],
) -> M:
    """An instance of ``model`` whose committed state is ``values`` (a row the database holds:
    just read, or just written by a prepared statement), persistent in ``session``; neither the
    ORM's constructor nor its loading runs. Relationships load lazily on first access."""
    instance: Any = inspect(model).class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)  # its identity key, from the primary key's values
    session.add(instance)
    return instance  # type: ignore[no-any-return]


def _returned_columns(statement: Any) -> list[Any] | None:
    if isinstance(statement, SelectBase):  # SELECT, UNION, ...
        return list(statement.selected_columns)
    returning = getattr(statement, "_returning", ())
    return list(statement.exported_columns) if returning else None
