"""Both members of an order rating at the same instant reveal exactly once (PostgreSQL: real
concurrent transactions, the first held open by the test until the second waits on its lock)."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent, Timer, TimerStatus
from c2c_api.ratings import service as ratings
from c2c_api.ratings.errors import AlreadyRated
from c2c_api.ratings.models import Rating
from race_support import outcome, skip_on_sqlite, wait_for_lock_waiters
from ratings_support import completed_deal, ratings_of


async def revealed_events(db: Database) -> list[OutboxEvent]:
    async with db.sessionmaker() as session:
        rows = await session.exec(select(OutboxEvent).where(OutboxEvent.topic == "rating.revealed"))
        return list(rows)


class TestSimultaneousRatings:
    async def test_the_second_rater_waits_for_the_first_and_reveals_both_once(
        self, db: Database
    ) -> None:
        """The buyer's transaction holds the order's row lock (its rating written, not yet
        committed) until the seller's waits on it; the seller's then sees the buyer's rating
        and reveals both. Without the lock (checked once by hand: rate_order reading the order
        without FOR UPDATE), the seller's transaction sees no other rating and both stay
        hidden, or it fails on the timer's unique key."""
        skip_on_sqlite(db)
        deal = await completed_deal(db)
        rated, release = asyncio.Event(), asyncio.Event()

        async def first() -> Rating:
            async with db.transaction() as session:
                rating = await ratings.rate_order(
                    session, deal.as_buyer, order_id=deal.order.id, score=4, settings=db.settings
                )
                rated.set()
                await release.wait()
            return rating

        async def second() -> Rating:
            await rated.wait()
            async with db.transaction() as session:
                return await ratings.rate_order(
                    session, deal.as_seller, order_id=deal.order.id, score=5, settings=db.settings
                )

        held = asyncio.create_task(first())
        waiting = asyncio.create_task(second())
        try:
            await asyncio.wait_for(rated.wait(), timeout=20)
            await wait_for_lock_waiters(db.settings.database_url, 1)
        finally:
            release.set()
        await held
        await waiting

        rows = await ratings_of(db, deal.order)
        assert len(rows) == 2
        assert all(r.revealed_at is not None for r in rows)
        assert len({r.revealed_at for r in rows}) == 1
        events = await revealed_events(db)
        assert sorted(str(e.member_id) for e in events) == sorted(
            [str(deal.buyer.id), str(deal.seller.id)]
        )
        async with db.sessionmaker() as session:
            timers = list(await session.exec(select(Timer).where(Timer.action == "rating.reveal")))
        assert [t.status for t in timers] == [TimerStatus.CANCELLED]

    async def test_the_same_member_rating_twice_at_once_rates_once(self, db: Database) -> None:
        skip_on_sqlite(db)
        deal = await completed_deal(db)
        rated, release = asyncio.Event(), asyncio.Event()

        async def first() -> Rating:
            async with db.transaction() as session:
                rating = await ratings.rate_order(
                    session, deal.as_buyer, order_id=deal.order.id, score=4, settings=db.settings
                )
                rated.set()
                await release.wait()
            return rating

        async def second() -> Rating:
            await rated.wait()
            async with db.transaction() as session:
                return await ratings.rate_order(
                    session, deal.as_buyer, order_id=deal.order.id, score=1, settings=db.settings
                )

        held = asyncio.create_task(first())
        refused = asyncio.create_task(outcome(second(), AlreadyRated))
        try:
            await asyncio.wait_for(rated.wait(), timeout=20)
            await wait_for_lock_waiters(db.settings.database_url, 1)
        finally:
            release.set()
        await held
        assert isinstance(await refused, AlreadyRated)
        [row] = await ratings_of(db, deal.order)
        assert (row.score, row.revealed_at) == (4, None)
