"""Threads and messages through the service: one thread per listing and interested member,
each bad input a typed error with nothing written, read markers and unread counts, the
per-member rate limit with its retryAfter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from c2c_api.authz import Actor
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.conversations import service
from c2c_api.conversations.errors import (
    ListingNotFound,
    MessageControlCharacters,
    MessageEmpty,
    MessageRateLimited,
    MessageTooLong,
    MessageToSelf,
    ThreadNotFound,
)
from c2c_api.conversations.models import Message, MessageKind, Thread, ThreadParticipant
from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent
from c2c_api.kit.clock import clock, utcnow
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.trust.warnings import MAX_MESSAGE_LENGTH, WarningFlag
from deals_support import listing, member


async def send(db: Database, actor: Actor, text: str, **where: Any) -> service.SendOutcome:
    async with db.transaction() as session:
        return await service.send_message(session, actor, text=text, **where)


async def count(db: Database, model: Any) -> int:
    async with db.sessionmaker() as session:
        return int((await session.exec(select(sa.func.count()).select_from(model))).one())


async def unread(db: Database, actor: Actor) -> int:
    async with db.sessionmaker() as session:
        return await service.unread_total(session, actor)


async def thread_unread(db: Database, actor: Actor, thread: Thread) -> int:
    assert actor.member_id is not None
    async with db.sessionmaker() as session:
        row = await session.get(ThreadParticipant, (thread.id, actor.member_id))
    assert row is not None
    return row.unread_count


class TestSendMessage:
    async def test_the_first_message_opens_the_thread_and_the_next_continue_it(
        self, db: Database
    ) -> None:
        seller, seller_actor = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        first = await send(db, buyer, "Is it still available?", listing_id=item.id)
        assert first.thread is not None and first.message is not None
        again = await send(db, buyer, "And the size?", listing_id=item.id)
        answer = await send(db, seller_actor, "Yes, size M.", thread_id=first.thread.id)
        assert again.thread is not None and answer.thread is not None
        assert first.thread.id == again.thread.id == answer.thread.id
        assert [first.message.seq, again.message.seq, answer.message.seq] == [1, 2, 3]  # type: ignore[union-attr]
        assert first.thread.owner_id == seller.id
        assert first.thread.interested_id == buyer.member_id
        assert await count(db, Thread) == 1

    async def test_text_is_normalised_and_trimmed(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        sent = await send(db, buyer, "  Cafe\u0301 ?\n\tMerci  ", listing_id=item.id)
        assert sent.message is not None and sent.message.body == "Café ?\n\tMerci"

    @pytest.mark.parametrize(
        ("text", "error"),
        [
            ("", MessageEmpty),
            (" \n\t ", MessageEmpty),
            ("x" * (MAX_MESSAGE_LENGTH + 1), MessageTooLong),
            ("x" * 100_000, MessageTooLong),
            ("hello\x00", MessageControlCharacters),
            ("bell\x07", MessageControlCharacters),
            ("esc\x1b[31m", MessageControlCharacters),
        ],
    )
    async def test_bad_text_is_refused_and_nothing_written(
        self, db: Database, text: str, error: type[Exception]
    ) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        with pytest.raises(error):
            await send(db, buyer, text, listing_id=item.id)
        assert await count(db, Thread) == 0
        assert await count(db, Message) == 0
        assert await count(db, OutboxEvent) == 0

    async def test_the_longest_message_allowed_is_sent(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        sent = await send(db, buyer, "é" * MAX_MESSAGE_LENGTH, listing_id=item.id)
        assert sent.message is not None and len(sent.message.body or "") == MAX_MESSAGE_LENGTH

    async def test_a_message_to_oneself_is_refused(self, db: Database) -> None:
        seller, seller_actor = await member(db)
        item = await listing(db, seller)
        with pytest.raises(MessageToSelf):
            await send(db, seller_actor, "Hello me", listing_id=item.id)
        assert await count(db, Thread) == 0

    async def test_a_listing_one_may_not_see_is_not_found(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        async with db.transaction() as session:
            row = await session.get(Listing, item.id)
            assert row is not None
            row.status = ListingStatus.DRAFT
        with pytest.raises(ListingNotFound):
            await send(db, buyer, "Hello", listing_id=item.id)
        assert await count(db, Thread) == 0

    async def test_a_stranger_cannot_write_in_a_thread(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        _, stranger = await member(db)
        sent = await send(db, buyer, "Hello", listing_id=(await listing(db, seller)).id)
        assert sent.thread is not None
        with pytest.raises(ThreadNotFound):
            await send(db, stranger, "Me too", thread_id=sent.thread.id)
        assert await count(db, Message) == 1

    async def test_a_dry_run_returns_the_warnings_and_sends_nothing(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        text = "Write to me at bob@example.org"
        dry = await send(db, buyer, text, listing_id=item.id, dry_run=True)
        flags = [WarningFlag.EMAIL_ADDRESS, WarningFlag.OFF_PLATFORM]
        assert [w.flag for w in dry.warnings] == flags
        assert dry.message is None
        assert await count(db, Thread) == 0 and await count(db, OutboxEvent) == 0
        sent = await send(db, buyer, text, listing_id=item.id)
        assert sent.message is not None
        assert [w.flag for w in service.warnings_of(sent.message)] == flags

    async def test_events_for_both_participants_and_a_notification_for_the_recipient(
        self, db: Database
    ) -> None:
        seller, _ = await member(db, display_name="Alice")
        buyer_row, buyer = await member(db, display_name="Bob")
        item = await listing(db, seller)
        sent = await send(db, buyer, "Bonjour " + "x" * 300, listing_id=item.id)
        assert sent.message is not None and sent.thread is not None
        async with db.sessionmaker() as session:
            events = (await session.exec(select(OutboxEvent))).all()
        assert sorted(
            (e.topic, e.member_id) for e in events if e.topic != "message.notify"
        ) == sorted([("message.sent", seller.id), ("message.sent", buyer_row.id)])
        (notify,) = [e for e in events if e.topic == "message.notify"]
        assert notify.member_id == seller.id
        assert notify.payload == {
            "messageId": str(sent.message.id),
            "threadId": str(sent.thread.id),
            "recipientId": str(seller.id),
            "senderName": "Bob",
            "listingTitle": item.title,
            "excerpt": ("Bonjour " + "x" * 300)[:200],
        }


class TestWantedListings:
    async def test_the_answering_member_is_the_interested_one(self, db: Database) -> None:
        wanter, wanter_actor = await member(db)
        answerer_row, answerer = await member(db)
        wanted = await listing(db, wanter, kind=ListingKind.WANTED)
        sent = await send(db, answerer, "I have one", listing_id=wanted.id)
        assert sent.thread is not None
        assert (sent.thread.owner_id, sent.thread.interested_id) == (wanter.id, answerer_row.id)
        with pytest.raises(MessageToSelf):
            await send(db, wanter_actor, "hello", listing_id=wanted.id)


class TestUnreadAndMarkers:
    async def test_counts_follow_messages_and_markers(self, db: Database) -> None:
        seller, seller_actor = await member(db)
        _, buyer = await member(db)
        first = await send(db, buyer, "one", listing_id=(await listing(db, seller)).id)
        thread = first.thread
        assert thread is not None
        second = await send(db, buyer, "two", thread_id=thread.id)
        await send(db, buyer, "three", thread_id=thread.id)
        assert await thread_unread(db, seller_actor, thread) == 3
        assert await thread_unread(db, buyer, thread) == 0
        assert await unread(db, seller_actor) == 3
        # a second thread of the seller's
        _, other = await member(db)
        await send(db, other, "hi", listing_id=(await listing(db, seller)).id)
        assert await unread(db, seller_actor) == 4
        assert second.message is not None
        async with db.transaction() as session:
            await service.mark_thread_read(
                session, seller_actor, thread_id=thread.id, up_to=second.message.id
            )
        assert await thread_unread(db, seller_actor, thread) == 1
        async with db.transaction() as session:  # a marker never moves back
            await service.mark_thread_read(
                session,
                seller_actor,
                thread_id=thread.id,
                up_to=first.message.id,  # type: ignore[union-attr]
            )
        assert await thread_unread(db, seller_actor, thread) == 1
        async with db.transaction() as session:
            await service.mark_thread_read(session, seller_actor, thread_id=thread.id)
        assert await thread_unread(db, seller_actor, thread) == 0
        assert await unread(db, seller_actor) == 1

    async def test_answering_marks_the_thread_read_for_the_sender(self, db: Database) -> None:
        seller, seller_actor = await member(db)
        _, buyer = await member(db)
        sent = await send(db, buyer, "one", listing_id=(await listing(db, seller)).id)
        assert sent.thread is not None
        await send(db, seller_actor, "answer", thread_id=sent.thread.id)
        assert await thread_unread(db, seller_actor, sent.thread) == 0
        assert await thread_unread(db, buyer, sent.thread) == 1

    async def test_a_stranger_cannot_move_a_marker(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        _, stranger = await member(db)
        sent = await send(db, buyer, "one", listing_id=(await listing(db, seller)).id)
        assert sent.thread is not None
        async with db.transaction() as session:
            with pytest.raises(ThreadNotFound):
                await service.mark_thread_read(session, stranger, thread_id=sent.thread.id)


class TestRateLimit:
    async def test_past_the_limit_a_typed_error_says_when_to_retry(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        limits = service.MessageLimits(per_minute=3, per_day=5)
        start = utcnow()
        clock.freeze(start)
        for i in range(3):
            clock.freeze(start + timedelta(seconds=i))
            await send(db, buyer, f"m{i}", listing_id=item.id, limits=limits)
        clock.freeze(start + timedelta(seconds=10))
        with pytest.raises(MessageRateLimited) as refused:
            await send(db, buyer, "too fast", listing_id=item.id, limits=limits)
        assert refused.value.retry_after == 50  # the first of the three leaves the minute
        assert refused.value.context == {"retryAfter": 50}
        assert await count(db, Message) == 3
        clock.freeze(start + timedelta(seconds=61))
        await send(db, buyer, "m3", listing_id=item.id, limits=limits)
        clock.freeze(start + timedelta(seconds=200))
        await send(db, buyer, "m4", listing_id=item.id, limits=limits)
        clock.freeze(start + timedelta(seconds=300))
        with pytest.raises(MessageRateLimited) as daily:
            await send(db, buyer, "m5", listing_id=item.id, limits=limits)
        assert daily.value.retry_after == 86_400 - 300

    async def test_system_messages_and_other_members_do_not_count(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        _, other = await member(db)
        item = await listing(db, seller)
        limits = service.MessageLimits(per_minute=1, per_day=10)
        sent = await send(db, buyer, "one", listing_id=item.id, limits=limits)
        assert sent.thread is not None
        async with db.transaction() as session:
            await service.post_system_message(
                session,
                listing_id=item.id,
                interested_member_id=sent.thread.interested_id,
                event="offer.received",
                payload={},
                actor_id=buyer.member_id,
            )
        await send(db, other, "mine", listing_id=item.id, limits=limits)
        with pytest.raises(MessageRateLimited):
            await send(db, buyer, "two", listing_id=item.id, limits=limits)


class TestPages:
    async def test_messages_newest_first_and_threads_by_activity(self, db: Database) -> None:
        seller, seller_actor = await member(db)
        _, buyer = await member(db)
        _, other = await member(db)
        a = await send(db, buyer, "a1", listing_id=(await listing(db, seller)).id)
        b = await send(db, other, "b1", listing_id=(await listing(db, seller)).id)
        assert a.thread is not None and b.thread is not None
        for i in range(2, 6):
            await send(db, buyer, f"a{i}", thread_id=a.thread.id)
        async with db.sessionmaker() as session:
            page = await service.messages_of_thread(
                session, thread_id=a.thread.id, limit=2, before_seq=None
            )
            assert [m.body for m in page.items] == ["a5", "a4"] and page.has_next
            page = await service.messages_of_thread(
                session, thread_id=a.thread.id, limit=10, before_seq=page.items[-1].seq
            )
            assert [m.body for m in page.items] == ["a3", "a2", "a1"] and not page.has_next
            threads = await service.threads_of_member(session, seller_actor, limit=10, after=None)
            assert [r.thread.id for r in threads.items] == [a.thread.id, b.thread.id]
            unread_only = await service.threads_of_member(
                session, seller_actor, unread_only=True, limit=10, after=None
            )
            assert len(unread_only.items) == 2
        assert await count(db, Message) == len([m for m in (a, b)]) + 4
        async with db.sessionmaker() as session:
            kinds = (await session.exec(select(Message.kind).where(col(Message.seq) == 1))).all()
        assert set(kinds) == {MessageKind.TEXT}
