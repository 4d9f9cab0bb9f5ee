"""Real races on PostgreSQL: a database with room for many connections at once, a lock held by
the test, and waiting (without sleeping on a guess) until the racers are seen blocked on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from c2c_api.config import Settings
from c2c_api.db import Database

T = TypeVar("T")

POSTGRES_ONLY = (
    "PostgreSQL only: SQLite serialises writers (BEGIN IMMEDIATE), so a held transaction "
    "would block the others before their critical point and nothing would race"
)
# Lock waits count against statement_timeout; the race, not the timeout, is under test.
RACE_STATEMENT_TIMEOUT_MS = 30_000


def skip_on_sqlite(db: Database) -> None:
    if db.settings.is_sqlite:
        pytest.skip(POSTGRES_ONLY)


@asynccontextmanager
async def wide_database(db: Database, connections: int) -> AsyncIterator[Database]:
    """Another Database on the test database whose pool lets `connections` transactions be
    open at once (the default pool would queue racers in the pool, not on the row lock)."""
    settings = db.settings.model_copy(
        update={
            "database_pool_size": connections,
            "database_statement_timeout_ms": RACE_STATEMENT_TIMEOUT_MS,
        }
    )
    assert isinstance(settings, Settings)
    wide = Database(settings)
    try:
        yield wide
    finally:
        await wide.dispose()


async def lock_waiters(url: str) -> int:
    """Sessions of this database waiting on a lock now (seen from outside every pool)."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await _lock_waiters(conn)
    finally:
        await engine.dispose()


async def _lock_waiters(conn: AsyncConnection) -> int:
    result = await conn.execute(
        sa.text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )
    return int(result.scalar_one())


async def wait_for_lock_waiters(
    url: str, count: int, *, also: Callable[[], bool] = lambda: True
) -> None:
    """Until at least `count` sessions wait on a lock (and `also()` holds); polls every 10 ms
    for up to 20 s, then fails."""
    engine = create_async_engine(url, poolclass=NullPool)
    waiting = 0
    try:
        async with engine.connect() as conn:
            for _ in range(2000):
                waiting = await _lock_waiters(conn)
                # PostgreSQL snapshots pg_stat_activity once per transaction: end it, or every
                # later poll would see the first one's answer (a session that started waiting
                # after it was never seen, and the test failed now and then).
                await conn.rollback()
                if waiting >= count and also():
                    return
                await asyncio.sleep(0.01)
    finally:
        await engine.dispose()
    raise AssertionError(f"{waiting} sessions waited on a lock, expected {count}")


@asynccontextmanager
async def held_lock(db: Database, statement: str, **params: object) -> AsyncIterator[None]:
    """A transaction of the test's own holding the lock `statement` takes, until the block
    ends (then rolled back: it wrote nothing)."""
    engine = create_async_engine(db.settings.database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(statement), params)
            try:
                yield
            finally:
                await conn.rollback()
    finally:
        await engine.dispose()


async def outcome(call: Awaitable[T], *expected: type[BaseException]) -> T | BaseException:
    """The call's value, or the expected exception it raised (anything else propagates)."""
    try:
        return await call
    except expected as exc:
        return exc
