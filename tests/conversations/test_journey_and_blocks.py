"""A question, then an offer, then the order: one thread, with a system message for every offer
and order event; blocks refuse messages, offers and orders in both directions, without telling
who blocked whom, while existing orders go on."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import col, select

from c2c_api.authz import Actor
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.conversations import service
from c2c_api.conversations.errors import BlockOfSelf, MemberNotFound, MemberUnavailable
from c2c_api.conversations.models import Message, MessageKind, Thread, ThreadParticipant
from c2c_api.db import Database
from c2c_api.offers import service as offers
from c2c_api.orders.models import Handover
from deals_support import act, buy, listing, member, pay


async def thread_messages(db: Database) -> list[Message]:
    async with db.sessionmaker() as session:
        threads = (await session.exec(select(Thread))).all()
        assert len(threads) == 1, threads
        return list(
            (
                await session.exec(
                    select(Message)
                    .where(col(Message.thread_id) == threads[0].id)
                    .order_by(col(Message.seq))
                )
            ).all()
        )


async def say(db: Database, actor: Actor, text: str, **where: object) -> service.SendOutcome:
    async with db.transaction() as session:
        return await service.send_message(session, actor, text=text, **where)  # type: ignore[arg-type]


async def block(db: Database, actor: Actor, member_id: object) -> None:
    async with db.transaction() as session:
        await service.block_member(session, actor, member_id=member_id)  # type: ignore[arg-type]


class TestJourney:
    async def test_question_offer_order_in_one_thread(self, db: Database) -> None:
        seller, seller_actor = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller, price=1000)
        asked = await say(db, buyer, "Would you take 800?", listing_id=item.id)
        assert asked.thread is not None
        async with db.transaction() as session:
            made = await offers.make_offer(
                session,
                buyer,
                listing_id=item.id,
                amount=800,
                currency="EUR",
                handover=Handover.SHIPPING,
            )
        async with db.transaction() as session:
            accepted = await offers.accept_offer(session, seller_actor, offer_id=made.offer.id)
        assert accepted.order is not None
        await pay(db, buyer, accepted.order)
        await act(db, seller_actor, accepted.order, "ship", carrier="DHL", trackingNumber="T1")
        messages = await thread_messages(db)
        assert [(m.kind, m.event) for m in messages] == [
            (MessageKind.TEXT, None),
            (MessageKind.SYSTEM, "offer.received"),
            (MessageKind.SYSTEM, "order.updated"),  # created by the acceptance
            (MessageKind.SYSTEM, "offer.updated"),
            (MessageKind.SYSTEM, "order.updated"),  # paid
            (MessageKind.SYSTEM, "order.updated"),  # shipped
        ]
        assert [m.seq for m in messages] == list(range(1, 7))
        data = [m.data or {} for m in messages]
        assert data[1]["offerId"] == str(made.offer.id) and data[1]["status"] == "PENDING"
        assert data[3]["status"] == "ACCEPTED"
        transitions = [d["transition"] for d in data if "orderId" in d]
        assert transitions[0] == "created" and transitions[-1] == "ship"
        assert {d["orderId"] for d in data if "orderId" in d} == {str(accepted.order.id)}
        assert messages[1].sender_id == buyer.member_id  # the offer's maker caused it

    async def test_buy_now_without_a_question_opens_the_thread(self, db: Database) -> None:
        seller, _ = await member(db)
        buyer_row, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        messages = await thread_messages(db)
        assert [(m.kind, m.event, (m.data or {}).get("orderId")) for m in messages] == [
            (MessageKind.SYSTEM, "order.updated", str(order.id))
        ]
        async with db.sessionmaker() as session:
            rows = (await session.exec(select(ThreadParticipant))).all()
        unread = {r.member_id: r.unread_count for r in rows}
        assert unread == {seller.id: 1, buyer_row.id: 0}  # the buyer caused it

    async def test_a_wanted_answer_and_its_order_share_the_answerers_thread(
        self, db: Database
    ) -> None:
        wanter, wanter_actor = await member(db)
        answerer_row, answerer = await member(db)
        wanted = await listing(db, wanter, kind=ListingKind.WANTED, price=2000)
        await say(db, answerer, "I have one", listing_id=wanted.id)
        async with db.transaction() as session:
            made = await offers.make_offer(
                session, answerer, listing_id=wanted.id, amount=1500, currency="EUR"
            )
        async with db.transaction() as session:
            await offers.accept_offer(
                session, wanter_actor, offer_id=made.offer.id, handover=Handover.MEETUP
            )
        messages = await thread_messages(db)
        assert [m.event for m in messages] == [
            None,
            "offer.received",
            "order.updated",
            "offer.updated",
        ]
        async with db.sessionmaker() as session:
            (thread,) = (await session.exec(select(Thread))).all()
        assert (thread.owner_id, thread.interested_id) == (wanter.id, answerer_row.id)


class TestBlocks:
    @pytest.mark.parametrize("blocker", ["seller", "buyer"])
    async def test_no_message_offer_or_order_either_way(self, db: Database, blocker: str) -> None:
        seller, seller_actor = await member(db)
        buyer_row, buyer = await member(db)
        item = await listing(db, seller)
        asked = await say(db, buyer, "hello", listing_id=item.id)
        assert asked.thread is not None
        if blocker == "seller":
            await block(db, seller_actor, buyer_row.id)
        else:
            await block(db, buyer, seller.id)
        for actor, where in (
            (buyer, {"listing_id": item.id}),
            (buyer, {"thread_id": asked.thread.id}),
            (seller_actor, {"thread_id": asked.thread.id}),
        ):
            with pytest.raises(MemberUnavailable) as refused:
                await say(db, actor, "still there?", **where)
            assert refused.value.message == "This member cannot be contacted."
        with pytest.raises(MemberUnavailable):  # a dry run too
            await say(db, buyer, "x", listing_id=item.id, dry_run=True)
        async with db.transaction() as session:
            with pytest.raises(MemberUnavailable):
                await offers.make_offer(
                    session,
                    buyer,
                    listing_id=item.id,
                    amount=900,
                    currency="EUR",
                    handover=Handover.SHIPPING,
                )
        with pytest.raises(MemberUnavailable):
            await buy(db, buyer, item)
        assert len(await thread_messages(db)) == 1

    async def test_a_pending_offer_cannot_be_countered_or_accepted_after_a_block(
        self, db: Database
    ) -> None:
        seller, seller_actor = await member(db)
        _buyer_row, buyer = await member(db)
        item = await listing(db, seller)
        async with db.transaction() as session:
            made = await offers.make_offer(
                session,
                buyer,
                listing_id=item.id,
                amount=900,
                currency="EUR",
                handover=Handover.SHIPPING,
            )
        await block(db, buyer, seller.id)
        async with db.transaction() as session:
            with pytest.raises(MemberUnavailable):
                await offers.counter_offer(
                    session, seller_actor, offer_id=made.offer.id, amount=950
                )
        async with db.transaction() as session:
            with pytest.raises(MemberUnavailable):
                await offers.accept_offer(session, seller_actor, offer_id=made.offer.id)

    async def test_a_wanted_answer_is_refused_too(self, db: Database) -> None:
        wanter, wanter_actor = await member(db)
        answerer_row, answerer = await member(db)
        wanted = await listing(db, wanter, kind=ListingKind.WANTED)
        await block(db, wanter_actor, answerer_row.id)
        async with db.transaction() as session:
            with pytest.raises(MemberUnavailable):
                await offers.make_offer(
                    session, answerer, listing_id=wanted.id, amount=900, currency="EUR"
                )

    async def test_an_existing_order_goes_on_and_its_events_are_posted(self, db: Database) -> None:
        seller, seller_actor = await member(db)
        buyer_row, buyer = await member(db)
        order = await buy(db, buyer, await listing(db, seller))
        await block(db, seller_actor, buyer_row.id)
        await pay(db, buyer, order)
        shipped = await act(db, seller_actor, order, "ship", carrier="DHL", trackingNumber="T2")
        assert shipped.state == "SHIPPED"
        assert [m.event for m in await thread_messages(db)] == ["order.updated"] * 3

    async def test_unblocking_lets_them_talk_again_and_blocks_are_listed(
        self, db: Database
    ) -> None:
        seller, seller_actor = await member(db)
        buyer_row, buyer = await member(db)
        item = await listing(db, seller)
        await block(db, seller_actor, buyer_row.id)
        await block(db, seller_actor, buyer_row.id)  # twice: one block
        async with db.sessionmaker() as session:
            page = await service.blocked_members(session, seller_actor, limit=10, after=None)
        assert [m.id for _, m in page.items] == [buyer_row.id]
        async with db.transaction() as session:
            await service.unblock_member(session, seller_actor, member_id=buyer_row.id)
        sent = await say(db, buyer, "hello again", listing_id=item.id)
        assert sent.message is not None

    async def test_blocking_oneself_or_nobody_is_an_error(self, db: Database) -> None:
        me, actor = await member(db)
        async with db.transaction() as session:
            with pytest.raises(BlockOfSelf):
                await service.block_member(session, actor, member_id=me.id)
        async with db.transaction() as session:
            with pytest.raises(MemberNotFound):
                await service.block_member(session, actor, member_id=uuid.uuid4())
