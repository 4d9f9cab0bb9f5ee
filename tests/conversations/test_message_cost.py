"""What a message costs in SQL statements: a SYSTEM message (an offer or order event, on the
purchase path) and a TEXT message, in a new thread and in an existing one. Counted at the
cursor, without the transaction's BEGIN/COMMIT; the outbox events are counted apart (they go
in one batched INSERT with the use case's other events at its last flush)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from c2c_api.conversations import service
from c2c_api.conversations.models import Message, Thread, ThreadParticipant
from c2c_api.db import Database
from deals_support import listing, member


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", record)


def without_outbox(statements: list[str]) -> list[str]:
    return [s for s in statements if "outbox_events" not in s and not s.startswith("BEGIN")]


async def system_message(db: Database, listing_id: Any, interested_id: Any, owner_id: Any) -> int:
    async with db.transaction() as session:
        with counting(db) as seen:
            await service.post_system_message(
                session,
                listing_id=listing_id,
                interested_member_id=interested_id,
                owner_id=owner_id,
                event="order.updated",
                payload={"state": "AWAITING_PAYMENT"},
            )
            await session.flush()
    return len(without_outbox(seen))


class TestSystemMessageCost:
    async def test_three_statements_in_a_new_thread_and_in_an_existing_one(
        self, db: Database
    ) -> None:
        seller, _ = await member(db)
        buyer, _ = await member(db)
        item = await listing(db, seller)
        first = await system_message(db, item.id, buyer.id, seller.id)
        second = await system_message(db, item.id, buyer.id, seller.id)
        assert (first, second) == (3, 3)
        async with db.sessionmaker() as session:
            thread = (await session.exec(select(Thread))).one()
            seqs = (await session.exec(select(Message.seq).order_by(col(Message.seq)))).all()
            rows = (await session.exec(select(ThreadParticipant))).all()
        assert thread.last_seq == 2 and list(seqs) == [1, 2]
        assert {(p.member_id, p.unread_count, p.last_read_seq) for p in rows} == {
            (seller.id, 2, 0),
            (buyer.id, 2, 0),
        }


class TestTextMessageCost:
    async def test_the_thread_costs_three_statements_first_or_not(self, db: Database) -> None:
        seller, _ = await member(db)
        buyer, buyer_actor = await member(db)
        item = await listing(db, seller)
        costs = []
        for _ in range(2):
            async with db.transaction() as session:
                with counting(db) as seen:
                    sent = await service.send_message(
                        session, buyer_actor, text="Is it available?", listing_id=item.id
                    )
                    await session.flush()
            costs.append(len(without_outbox(seen)))
        async with db.transaction() as session:
            with counting(db) as seen:
                assert sent.thread is not None
                await service.send_message(
                    session, buyer_actor, text="Still there?", thread_id=sent.thread.id
                )
                await session.flush()
        costs.append(len(without_outbox(seen)))
        # the listing (or the thread) read, the block check, the rate count (+ its advisory
        # lock on PostgreSQL), the sender's name for the e-mail (+ the listing's title when
        # written by thread id), and the thread's three statements (before: 6 or 5).
        lock = 1 if db.engine.dialect.name == "postgresql" else 0
        assert costs == [7 + lock, 7 + lock, 8 + lock], costs
        async with db.sessionmaker() as session:
            rows = (await session.exec(select(ThreadParticipant))).all()
        assert {(p.member_id, p.unread_count, p.last_read_seq) for p in rows} == {
            (seller.id, 3, 0),
            (buyer.id, 0, 3),
        }
