"""Database engines and sessions (SQLModel's AsyncSession, re-exported here)."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_
from sqlmodel import Field, SQLModel
from sqlmodel import Session as SQLModelSession
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.config import Settings
from c2c_api.kit.clock import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite returns naive ones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_cls: type[Any], length: int = 32) -> sa.Enum:
    """A portable enum column: VARCHAR holding the enum's values (no native PG type to drop)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    """A `sa_column` for an aware UTC timestamp."""
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


def uuid_pk() -> Any:
    return Field(default_factory=uuid.uuid4, primary_key=True)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def dialect_insert(session: Any) -> Any:
    """The `insert` of the session's dialect (PostgreSQL's or SQLite's), for
    `on_conflict_do_nothing` / `on_conflict_do_update`, which both dialects offer."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, emit BEGIN: savepoints then work, and writers can take
    # the lock up front (BEGIN IMMEDIATE) instead of failing on a read-to-write upgrade.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# SQLite has no statement timeout: a progress handler, called every PROGRESS_STEPS virtual
# machine instructions (~1-5 ms of work), interrupts a statement past its deadline
# ("interrupted", an OperationalError). The deadline is set before each statement and cleared
# after it, per connection (the pool entry's `info`).
PROGRESS_STEPS = 100_000
_DEADLINE = "c2c_statement_deadline"


class _Deadline:
    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at = 0.0

    def passed(self) -> int:
        return 1 if self.at and time.monotonic() > self.at else 0


def _install_sqlite_timeout(dbapi_connection: Any, record: Any) -> None:
    deadline = _Deadline()
    record.info[_DEADLINE] = deadline
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and hasattr(driver, "set_progress_handler"):  # aiosqlite
        await_(driver.set_progress_handler(deadline.passed, PROGRESS_STEPS))
    else:  # the standard library's sqlite3 (the synchronous engine)
        dbapi_connection.set_progress_handler(deadline.passed, PROGRESS_STEPS)


def _sqlite_statement_timeout(engine: sa.Engine, timeout_ms: int) -> None:
    """Interrupt any SQLite statement running longer than `timeout_ms`."""
    seconds = timeout_ms / 1000

    def start(conn: sa.Connection, *_: Any) -> None:
        deadline = conn.connection.info.get(_DEADLINE)
        if deadline is not None:
            deadline.at = time.monotonic() + seconds

    def stop(conn: sa.Connection, *_: Any) -> None:
        deadline = conn.connection.info.get(_DEADLINE)
        if deadline is not None:
            deadline.at = 0.0

    def failed(context: sa.engine.ExceptionContext) -> None:
        if context.connection is not None and not context.connection.closed:
            stop(context.connection)

    event.listen(engine, "connect", _install_sqlite_timeout)
    event.listen(engine, "before_cursor_execute", start)
    event.listen(engine, "after_cursor_execute", stop)
    event.listen(engine, "handle_error", failed)


def is_statement_timeout(error: BaseException) -> bool:
    """Whether a database error is a statement cut by the statement timeout."""
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    original = error.orig
    if getattr(original, "sqlstate", None) == "57014":  # PostgreSQL query_canceled
        return True
    return isinstance(error, sa.exc.OperationalError) and "interrupted" in str(original)


def _sqlite_begin(conn: sa.Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


# asyncpg prepares every statement, and PostgreSQL switches a prepared statement to a generic
# plan after five executions when its estimate looks no worse. For searches the estimate is
# wrong: a generic plan of "iphone" (parameters unknown: status, the current time, the page
# size) took 120-220 ms against 25 ms for the custom plan, from the sixth run on (measured at
# 1M listings). Planning each statement costs well under a millisecond.
PG_SESSION_SETTINGS = {"plan_cache_mode": "force_custom_plan"}


def pg_session_settings(settings: Settings) -> dict[str, str]:
    """PG_SESSION_SETTINGS plus the statement timeout (no request holds a connection long)."""
    return {
        **PG_SESSION_SETTINGS,
        "statement_timeout": str(settings.database_statement_timeout_ms),
    }


# False while a checkout's own first statement is its check (Database.single_read).
_PING: ContextVar[bool] = ContextVar("c2c_ping_on_checkout", default=True)


def _ping_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """`pool_pre_ping` in one round trip: `SELECT 1` in the simple query protocol. asyncpg's
    own ping opens a transaction around its query (BEGIN, `;`, ROLLBACK: three round trips,
    for pgbouncer's transaction mode, which this app does not use: its prepared statements
    would not survive it anyway). A connection that fails it is thrown away and another taken
    (the pool tries three times), as with pool_pre_ping."""
    if not _PING.get():
        return
    try:
        await_(dbapi_connection.driver_connection.execute("SELECT 1"))
    except Exception as error:
        raise sa.exc.DisconnectionError("the pooled connection is gone") from error


def create_engine(settings: Settings) -> AsyncEngine:
    """The async engine for the configured database."""
    kwargs: dict[str, Any] = {"echo": settings.database_echo}
    if not settings.is_sqlite:
        kwargs.update(
            pool_size=settings.database_pool_size,
            max_overflow=10,
            connect_args={"server_settings": pg_session_settings(settings)},
        )
    engine = create_async_engine(settings.database_url, **kwargs)
    if not settings.is_sqlite:
        # Every checkout is checked before use (a database restart leaves dead connections).
        event.listen(engine.sync_engine, "checkout", _ping_on_checkout)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        if settings.database_statement_timeout_ms:
            _sqlite_statement_timeout(engine.sync_engine, settings.database_statement_timeout_ms)
    return engine


def create_sync_engine(settings: Settings) -> sa.Engine:
    """A synchronous engine on the same database (used from worker threads, e.g. authlib)."""
    kwargs: dict[str, Any] = {"echo": settings.database_echo}
    if settings.is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
        kwargs["execution_options"] = {"sqlite_begin": "IMMEDIATE"}
    else:
        kwargs.update(pool_size=5, max_overflow=5, pool_pre_ping=True)
        timeout = settings.database_statement_timeout_ms
        kwargs["connect_args"] = {"options": f"-c statement_timeout={timeout}"}
    engine = sa.create_engine(settings.sync_database_url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        if settings.database_statement_timeout_ms:
            _sqlite_statement_timeout(engine, settings.database_statement_timeout_ms)
    return engine


T = TypeVar("T")


class _TaskLock:
    """An asyncio lock the task holding it may take again (SQLAlchemy's `scalars` calls
    `execute`). Owned by a task, not a context: a task started by the holder waits its turn."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._depth = 0

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        task = asyncio.current_task()
        if self._owner is task and task is not None:
            self._depth += 1
            try:
                return await call()
            finally:
                self._depth -= 1
        async with self._lock:
            self._owner, self._depth = task, 1
            try:
                return await call()
            finally:
                self._owner, self._depth = None, 0


def _serialized(name: str) -> Callable[..., Any]:
    method = getattr(AsyncSession, name)

    @functools.wraps(method)
    async def wrapper(self: SharedSession, *args: Any, **kwargs: Any) -> Any:
        return await self._serial.run(lambda: method(self, *args, **kwargs))

    return wrapper


class ReadOnlyViolation(RuntimeError):
    """A write through a read session: writes belong to a use case (Database.transaction)."""


class _ReadOnlySyncSession(SQLModelSession):
    pass


@event.listens_for(_ReadOnlySyncSession, "before_flush")
def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    raise ReadOnlyViolation(
        "a read session does not write: run the change as a use case "
        "(Context.use_case / mutation_payload, Database.transaction)"
    )


class SharedSession(AsyncSession):
    """A read session the resolvers of one request share, one database call at a time.

    graphql-core runs sibling fields (and DataLoader batches) concurrently; an AsyncSession
    and its connection take one operation at a time ("another operation is in progress").
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._serial = _TaskLock()

    for _name in (
        "exec",
        "execute",
        "scalar",
        "scalars",
        "get",
        "get_one",
        "refresh",
        "flush",
        "merge",
        "delete",
        "run_sync",
        "connection",
        "commit",
        "rollback",
        "close",
    ):
        locals()[_name] = _serialized(_name)
    del _name


AFTER_ROLLBACK = "c2c_after_rollback"


def after_rollback(session: AsyncSession, action: Callable[[], Awaitable[None]]) -> None:
    """Undo, once the use case's transaction has rolled back, an effect outside the database
    that the use case made before its writes (e.g. delete the files of a photo whose row was
    not committed). Runs after the rollback, never with the transaction open; dropped when the
    transaction commits."""
    session.info.setdefault(AFTER_ROLLBACK, []).append(action)


def after_rollback_mark(session: AsyncSession) -> int:
    """How many after-rollback actions the transaction holds now (see `rolled_back_since`)."""
    return len(session.info.get(AFTER_ROLLBACK, ()))


def rolled_back_since(session: AsyncSession, mark: int) -> list[Callable[[], Awaitable[None]]]:
    """The after-rollback actions registered since `mark`, taken out of the transaction: a
    savepoint taken at `mark` was rolled back while the transaction goes on. Run them with
    `run_after_rollback` once the transaction has ended (committed or not)."""
    actions: list[Callable[[], Awaitable[None]]] = session.info.get(AFTER_ROLLBACK, [])
    undone, actions[mark:] = actions[mark:], []
    return undone


async def run_after_rollback(actions: list[Callable[[], Awaitable[None]]]) -> None:
    """Run after-rollback actions, each once; a failing one is logged, not raised."""
    for action in actions:
        try:
            # Shielded: a cancelled request still cleans up what it left outside.
            await asyncio.shield(action())
        except Exception:
            logging.getLogger(__name__).warning("an after-rollback action failed", exc_info=True)


async def _run_after_rollback(session: AsyncSession) -> None:
    await run_after_rollback(session.info.pop(AFTER_ROLLBACK, []))


class _Spare:
    """A request's first connection (its bearer token's check, which also checks the
    connection), kept for the first session the request opens: one checkout where there were
    two, and no pre-ping."""

    def __init__(self) -> None:
        self.connection: AsyncConnection | None = None
        self.lent = False  # kept once, lent once: later statements check out as usual

    def take(self) -> AsyncConnection | None:
        connection, self.connection = self.connection, None
        return connection

    async def close(self) -> None:
        connection = self.take()
        if connection is not None:
            await connection.close()


_spare: ContextVar[_Spare | None] = ContextVar("c2c_request_connection", default=None)


class Database:
    """Engines and session factories of one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_engine(settings)
        # Single statements that need no transaction (each is consistent on its own), on the
        # same pool: no BEGIN and no ROLLBACK around them, one round trip (PostgreSQL; SQLite
        # transactions are local calls).
        self.autocommit_engine = (
            self.engine
            if settings.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self.sessionmaker = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        # Sessions that will write: on SQLite they take the write lock when they begin.
        write_engine = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if settings.is_sqlite
            else self.engine
        )
        self.write_sessionmaker = async_sessionmaker(
            write_engine, class_=AsyncSession, expire_on_commit=False
        )
        # The session of a GraphQL request's reads (queries, and payloads after a use case).
        self.read_sessionmaker = async_sessionmaker(
            self.engine,
            class_=SharedSession,
            sync_session_class=_ReadOnlySyncSession,
            expire_on_commit=False,
        )
        self._sync_engine: sa.Engine | None = None
        self._sync_sessionmaker: sessionmaker[Session] | None = None
        # Readiness probes connect outside the request pool: a saturated pool must not make
        # /readyz wait (it waited 14.7 s behind twenty heavy searches).
        self._probe_engine: AsyncEngine | None = None

    @property
    def sync_sessionmaker(self) -> sessionmaker[Session]:
        if self._sync_sessionmaker is None:
            self._sync_engine = create_sync_engine(self.settings)
            self._sync_sessionmaker = sessionmaker(self._sync_engine, expire_on_commit=False)
        return self._sync_sessionmaker

    @asynccontextmanager
    async def request_scope(self) -> AsyncIterator[None]:
        """One request: the connection of its first statement (`single_read`: the bearer
        token's check) is kept, idle, for the first session it opens (`transaction`,
        `read_session`), then goes back to the pool with it; unused, at the end of the scope.
        PostgreSQL only (each checkout is a round trip there)."""
        if self.settings.is_sqlite:
            yield
            return
        spare = _Spare()
        token = _spare.set(spare)
        try:
            yield
        finally:
            _spare.reset(token)
            await spare.close()

    async def single_read(self, statement: Any, parameters: dict[str, Any]) -> sa.Result[Any]:
        """Run one read outside any transaction (autocommit: no BEGIN, no ROLLBACK; a single
        statement is consistent on its own); its rows, buffered.

        The read is its connection's check: that checkout is not pinged first, and a
        connection the read finds dead is replaced and the read run once more. The first
        single read of a request scope then keeps its connection for the request's first
        session (`request_scope`)."""
        spare = _spare.get()
        keep = spare is not None and not spare.lent
        if spare is not None:
            spare.lent = True
        engine = self.engine if keep else self.autocommit_engine
        for attempt in (1, 2):
            unpinged = _PING.set(attempt > 1)
            try:
                connection = await engine.connect()
            finally:
                _PING.reset(unpinged)
            try:
                if keep:
                    await connection.execution_options(isolation_level="AUTOCOMMIT")
                result = await connection.execute(statement, parameters)
                if not keep:
                    await connection.close()
                    return result
                await connection.rollback()  # the statement's own (nothing sent: autocommit)
                await connection.execution_options(
                    isolation_level=connection.default_isolation_level
                )
            except sa.exc.DBAPIError as error:
                await connection.close()
                if attempt == 1 and error.connection_invalidated:
                    continue  # a dead pooled connection (the database restarted): a new one
                raise
            except BaseException:
                await connection.close()
                raise
            assert spare is not None
            spare.connection = connection
            return result
        raise AssertionError("unreachable")

    def _spare_connection(self) -> AsyncConnection | None:
        """The request's kept connection, handed over once (see `request_scope`)."""
        spare = _spare.get()
        return spare.take() if spare is not None else None

    def read_session(self) -> tuple[SharedSession, AsyncConnection | None]:
        """A read session (`read_sessionmaker`), on the request's kept connection when there
        is one: close that connection after the session."""
        connection = self._spare_connection()
        if connection is None:
            return self.read_sessionmaker(), None
        return self.read_sessionmaker(bind=connection), connection

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed on success, rolled back on any exception.

        Every use case runs in one (a mutation, a REST write, a worker job, a CLI command):
        its state, ledger postings and outbox events are committed together or not at all,
        and it is committed before its result is reported.
        """
        connection = self._spare_connection()
        try:
            maker = self.write_sessionmaker
            async with maker() if connection is None else maker(bind=connection) as session:
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    await _run_after_rollback(session)
                    raise
                finally:
                    session.info.pop(AFTER_ROLLBACK, None)
        finally:
            if connection is not None:
                await connection.close()

    async def record_apart(self, record: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Record, in a transaction of its own committed at once, what must outlive the use
        case that needs it: a throttled attempt, an idempotency key, a fraud signal.

        Called before the use case (never inside its transaction): a refused use case rolls
        back its own writes, not this record.
        """
        async with self.transaction() as session:
            return await record(session)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def probe(self, *, within: float) -> None:
        """`SELECT 1` on a connection of its own (never the request pool), within `within` seconds.

        Raises TimeoutError when the database does not answer in time, and the driver's error
        when it cannot be reached.
        """
        if self._probe_engine is None:
            self._probe_engine = create_async_engine(
                self.settings.database_url,
                poolclass=NullPool,
                connect_args={"timeout": within},
            )

        async def select_one() -> None:
            assert self._probe_engine is not None
            async with self._probe_engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))

        await asyncio.wait_for(select_one(), within)

    def pool_status(self) -> dict[str, int]:
        """Connections of the request pool: in use now, and the pool's size."""
        pool = self.engine.pool
        checked_out = getattr(pool, "checkedout", None)
        size = getattr(pool, "size", None)
        return {
            "inUse": int(checked_out()) if callable(checked_out) else 0,
            "size": int(size()) if callable(size) else 0,
        }

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._probe_engine is not None:
            await self._probe_engine.dispose()
        if self._sync_engine is not None:
            self._sync_engine.dispose()
