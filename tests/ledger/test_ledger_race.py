"""Concurrent postings drawing on one account: exactly as many succeed as its funds allow.

On PostgreSQL the first posting is held, inside its transaction and after taking its locks,
until the nineteen others are seen waiting on a lock; then all run out. SQLite serialises
writers (BEGIN IMMEDIATE), so there the same scenario only checks the outcome.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from c2c_api.db import Database
from c2c_api.ledger.errors import InsufficientFunds
from c2c_api.ledger.service import Move, member_funds, order_escrow, post
from ledger_factories import balance_of, funded_member, post_now

PRICE = 100
ATTEMPTS = 20
AFFORDABLE = 5


async def spend(db: Database, member: uuid.UUID, i: int) -> bool:
    """One order paid from the member's funds; whether it went through."""
    try:
        async with db.transaction() as session:
            await post(
                session,
                reference=f"order:{i}:pay",
                kind="order.paid",
                moves=[Move(member_funds(member), order_escrow(uuid.uuid4()), PRICE, "EUR")],
            )
        return True
    except InsufficientFunds:
        return False


async def wait_for_lock_waiters(url: str, count: int) -> None:
    """Until `count` sessions of this database wait on a lock (seen from a connection outside
    the pool the postings use)."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            for _ in range(2000):
                waiting = (
                    await conn.execute(
                        sa.text(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        )
                    )
                ).scalar_one()
                if waiting >= count:
                    return
                await asyncio.sleep(0.01)
        raise AssertionError(f"only {waiting} of {count} postings waited on a lock")
    finally:
        await engine.dispose()


class TestConcurrentPostings:
    async def test_twenty_postings_on_funds_for_five(self, db: Database) -> None:
        member = await funded_member(db, AFFORDABLE * PRICE)
        if db.settings.is_sqlite:
            results = await asyncio.gather(*(spend(db, member, i) for i in range(ATTEMPTS)))
        else:
            locked, release = asyncio.Event(), asyncio.Event()

            async def first() -> bool:
                async with db.transaction() as session:
                    await post(
                        session,
                        reference="order:first:pay",
                        kind="order.paid",
                        moves=[
                            Move(member_funds(member), order_escrow(uuid.uuid4()), PRICE, "EUR")
                        ],
                    )
                    locked.set()  # its account locks are held until it commits
                    await release.wait()
                return True

            async def other(i: int) -> bool:
                await locked.wait()
                return await spend(db, member, i)

            tasks = [asyncio.create_task(first())]
            tasks += [asyncio.create_task(other(i)) for i in range(1, ATTEMPTS)]
            await locked.wait()
            try:
                await wait_for_lock_waiters(db.settings.database_url, ATTEMPTS - 1)
            finally:
                release.set()
            results = await asyncio.gather(*tasks)
        assert sum(results) == AFFORDABLE
        assert await balance_of(db, member_funds(member)) == 0
        # A retry of a refused payment is refused again while the funds are still gone.
        refused = results.index(False)
        assert not await spend(db, member, refused)

    async def test_the_same_reference_posted_concurrently_is_posted_once(
        self, db: Database
    ) -> None:
        member = await funded_member(db, 10 * PRICE)
        escrow = order_escrow(uuid.uuid4())
        move = Move(member_funds(member), escrow, PRICE, "EUR")
        done = await asyncio.gather(
            *(post_now(db, move, reference="order:1:pay") for _ in range(5))
        )
        assert len({txn.id for txn in done}) == 1
        assert await balance_of(db, escrow) == PRICE


@pytest.mark.postgres_only
class TestLockOrder:
    async def test_crossing_postings_do_not_deadlock(self, db: Database) -> None:
        """A->B and B->A at once: accounts are locked in one order, so both go through."""
        if db.settings.is_sqlite:
            pytest.skip("SQLite serialises writers")
        a, b = await funded_member(db, 10_000), await funded_member(db, 10_000)

        async def pay(i: int) -> None:
            source, destination = (a, b) if i % 2 else (b, a)
            await post_now(
                db,
                Move(member_funds(source), member_funds(destination), 1, "EUR"),
                reference=f"cross:{i}",
            )

        await asyncio.gather(*(pay(i) for i in range(16)))
        assert await balance_of(db, member_funds(a)) == 10_000
        assert await balance_of(db, member_funds(b)) == 10_000
