"""db.after_rollback: what a use case did outside the database is undone after its rollback,
never with the transaction open, and not at all when it commits (both databases)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from c2c_api.db import Database, after_rollback


async def test_runs_after_the_rollback_only(db: Database) -> None:
    seen: list[bool] = []
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await session.exec(sa.select(sa.literal(1)))  # type: ignore[call-overload]
            assert session.in_transaction()

            async def undo() -> None:
                seen.append(session.in_transaction())

            after_rollback(session, undo)
            raise RuntimeError("refused")
    assert seen == [False]


async def test_is_dropped_when_the_use_case_commits(db: Database) -> None:
    seen: list[str] = []

    async def undo() -> None:
        seen.append("undone")

    async with db.transaction() as session:
        after_rollback(session, undo)
    assert seen == []


async def test_a_failing_action_does_not_hide_the_error(db: Database) -> None:
    async def broken() -> None:
        raise OSError("storage down")

    with pytest.raises(RuntimeError, match="refused"):
        async with db.transaction() as session:
            after_rollback(session, broken)
            raise RuntimeError("refused")
