"""Real races on PostgreSQL: a first message and an order event for the same listing and member
at once make one thread, both messages in it, numbered without gap."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from c2c_api.conversations import service
from c2c_api.conversations.models import Message, Thread, ThreadParticipant
from c2c_api.db import Database
from deals_support import listing, member
from race_support import skip_on_sqlite, wait_for_lock_waiters, wide_database


class TestConcurrentFirstMessages:
    async def test_two_first_messages_at_once_make_one_thread(self, db: Database) -> None:
        skip_on_sqlite(db)
        seller, _ = await member(db)
        buyer_row, buyer = await member(db)
        item = await listing(db, seller)
        async with wide_database(db, 3) as wide:

            async def system_message() -> None:
                async with wide.transaction() as session:
                    await service.post_system_message(
                        session,
                        listing_id=item.id,
                        interested_member_id=buyer_row.id,
                        event="order.updated",
                        payload={"state": "AWAITING_PAYMENT"},
                    )

            async with wide.transaction() as first:
                sent = await service.send_message(
                    first, buyer, text="Is it available?", listing_id=item.id
                )
                # The second creator inserts the same (listing, member) while the first has
                # not committed: it must wait on the unique key, not create another thread.
                second = asyncio.create_task(system_message())
                await wait_for_lock_waiters(db.settings.database_url, 1)
            await second
        async with db.sessionmaker() as session:
            threads = (await session.exec(select(Thread))).all()
            messages = (await session.exec(select(Message).order_by(col(Message.seq)))).all()
            participants = (await session.exec(select(ThreadParticipant))).all()
        assert [t.id for t in threads] == [sent.thread.id]  # type: ignore[union-attr]
        assert [(m.seq, m.event) for m in messages] == [(1, None), (2, "order.updated")]
        assert threads[0].last_seq == 2
        assert {(p.member_id, p.unread_count) for p in participants} == {
            (seller.id, 2),
            (buyer_row.id, 1),
        }
