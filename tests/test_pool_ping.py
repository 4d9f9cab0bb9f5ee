"""Every checkout of a pooled PostgreSQL connection is checked first (db._ping_on_checkout, one
round trip), or by its first statement (Database.single_read): a connection whose server
process is gone (a database restart, a killed backend) is replaced before a request uses it."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from c2c_api.db import Database


async def backend_pid(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_dead_pooled_connection_is_replaced_at_checkout(db: Database) -> None:
    if db.settings.is_sqlite:
        pytest.skip("PostgreSQL's pool: SQLite has no server process to lose")
    await db.engine.dispose()  # an empty pool: the next checkout is the only connection
    first = await backend_pid(db)
    assert await backend_pid(db) == first  # the pool hands the same connection back
    outsider = create_async_engine(db.settings.database_url, poolclass=NullPool)
    try:
        async with outsider.connect() as conn:
            killed = await conn.execute(
                sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first}
            )
            assert killed.scalar_one() is True
    finally:
        await outsider.dispose()
    # the pooled connection is dead: its checkout fails the ping and a new one is opened
    async with db.transaction() as session:
        assert (await session.exec(sa.text("SELECT 1"))).scalar_one() == 1  # type: ignore[call-overload]
    assert await backend_pid(db) != first


async def test_a_single_read_checks_its_connection_itself(db: Database) -> None:
    """No ping before it: a dead connection fails the read, which runs again on a new one."""
    if db.settings.is_sqlite:
        pytest.skip("PostgreSQL's pool: SQLite has no server process to lose")
    await db.engine.dispose()
    first = await backend_pid(db)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        read = await db.single_read(sa.text("SELECT pg_backend_pid()"), {})
        assert read.scalar_one() == first  # the pooled connection, not pinged
        outsider = create_async_engine(db.settings.database_url, poolclass=NullPool)
        try:
            async with outsider.connect() as conn:
                await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        finally:
            await outsider.dispose()
        statements.clear()
        again = await db.single_read(sa.text("SELECT pg_backend_pid()"), {})
        assert again.scalar_one() != first
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
    # the read on the dead connection, then the read again on a new one
    assert statements == ["SELECT pg_backend_pid()"] * 2
