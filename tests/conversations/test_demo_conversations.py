"""`seed --demo` leaves, through the real services, a conversation (Bob asks Carol about her
turntable swap; one of Carol's messages carries scam warnings; Carol has one unread message)
and the lamp's two revealed ratings with criteria and Carol's reply; seeding again changes
nothing."""

from __future__ import annotations

from sqlmodel import col, select

from c2c_api.conversations.models import Message, MessageKind, Thread, ThreadParticipant
from c2c_api.db import Database
from c2c_api.demo import seed_demo
from c2c_api.demo_deals import (
    BOOKS_RATING,
    BOOKS_TITLE,
    CONVERSATION,
    LAMP_REPLY,
    LAMP_TITLE,
    TURNTABLE_TITLE,
)
from c2c_api.listings.models import Listing
from c2c_api.orders.models import Order
from c2c_api.ratings.models import Rating, RatingCriterion
from c2c_api.users.models import Member


async def _snapshot(db: Database) -> dict[str, object]:
    async with db.sessionmaker() as session:
        people = {m.email: m.id for m in await session.exec(select(Member))}
        listings = {x.title: x.id for x in await session.exec(select(Listing))}
        thread = (
            await session.exec(
                select(Thread).where(
                    col(Thread.listing_id) == listings[TURNTABLE_TITLE],
                    col(Thread.interested_id) == people["bob@example.com"],
                )
            )
        ).one()
        messages = list(
            await session.exec(
                select(Message)
                .where(col(Message.thread_id) == thread.id)
                .order_by(col(Message.seq))
            )
        )
        unread = {
            p.member_id: (p.unread_count, p.last_read_seq)
            for p in await session.exec(
                select(ThreadParticipant).where(col(ThreadParticipant.thread_id) == thread.id)
            )
        }
        lamp = (
            await session.exec(select(Order).where(col(Order.listing_id) == listings[LAMP_TITLE]))
        ).one()
        ratings = {
            r.rater_id: r
            for r in await session.exec(select(Rating).where(col(Rating.order_id) == lamp.id))
        }
        books = (
            await session.exec(select(Order).where(col(Order.listing_id) == listings[BOOKS_TITLE]))
        ).one()
        books_ratings = list(
            await session.exec(select(Rating).where(col(Rating.order_id) == books.id))
        )
        criteria = {
            (c.rating_id, c.criterion.value, c.score)
            for c in await session.exec(
                select(RatingCriterion).where(
                    col(RatingCriterion.rating_id).in_([r.id for r in ratings.values()])
                )
            )
        }
    return {
        "people": people,
        "thread": thread,
        "messages": messages,
        "unread": unread,
        "ratings": ratings,
        "criteria": criteria,
        "books": books,
        "books_ratings": books_ratings,
    }


class TestDemoConversation:
    async def test_bob_and_carol_talk_about_the_turntable(self, db: Database) -> None:
        await seed_demo(db)
        s = await _snapshot(db)
        people = s["people"]
        assert isinstance(people, dict)
        bob, carol = people["bob@example.com"], people["carol@example.com"]
        messages = s["messages"]
        assert isinstance(messages, list)
        assert [(m.kind, m.sender_id, m.body) for m in messages] == [
            (MessageKind.TEXT, people[who], text) for who, text in CONVERSATION
        ]
        flagged = [m for m in messages if m.warnings]
        assert [m.sender_id for m in flagged] == [carol]
        assert {w["flag"] for w in flagged[0].warnings or []} >= {"PHONE_NUMBER"}
        # Bob's last message is unread for Carol; Bob has read everything.
        assert s["unread"] == {bob: (0, 5), carol: (1, 4)}

    async def test_the_lamp_has_both_ratings_revealed_with_criteria_and_a_reply(
        self, db: Database
    ) -> None:
        await seed_demo(db)
        s = await _snapshot(db)
        people, ratings, criteria = s["people"], s["ratings"], s["criteria"]
        assert isinstance(people, dict) and isinstance(ratings, dict)
        bob, carol = people["bob@example.com"], people["carol@example.com"]
        assert set(ratings) == {bob, carol}
        assert all(r.revealed_at is not None for r in ratings.values())
        assert (ratings[bob].rated_id, ratings[bob].reply) == (carol, LAMP_REPLY)
        assert (ratings[carol].rated_id, ratings[carol].reply) == (bob, None)
        assert criteria == {
            (ratings[bob].id, "ITEM_AS_DESCRIBED", 5),
            (ratings[bob].id, "COMMUNICATION", 5),
            (ratings[bob].id, "HANDOVER", 4),
            (ratings[carol].id, "COMMUNICATION", 5),
            (ratings[carol].id, "PUNCTUALITY", 5),
        }

    async def test_the_books_have_only_carols_rating_still_hidden(self, db: Database) -> None:
        await seed_demo(db)
        s = await _snapshot(db)
        people, books, rows = s["people"], s["books"], s["books_ratings"]
        assert isinstance(people, dict) and isinstance(books, Order) and isinstance(rows, list)
        assert (books.state, books.seller_id, books.buyer_id) == (
            "COMPLETED",
            people["bob@example.com"],
            people["carol@example.com"],
        )
        [rating] = rows
        assert (rating.rater_id, rating.rated_id) == (
            people["carol@example.com"],
            people["bob@example.com"],
        )
        assert (rating.score, rating.comment) == BOOKS_RATING
        assert rating.revealed_at is None

    async def test_seeding_again_changes_nothing(self, db: Database) -> None:
        await seed_demo(db)
        before = await _snapshot(db)
        again = await seed_demo(db)
        assert not again.created
        after = await _snapshot(db)
        assert [m.id for m in after["messages"]] == [m.id for m in before["messages"]]  # type: ignore[attr-defined]
        assert after["unread"] == before["unread"]
        assert after["criteria"] == before["criteria"]
        assert [r.id for r in after["books_ratings"]] == [  # type: ignore[attr-defined]
            r.id
            for r in before["books_ratings"]  # type: ignore[attr-defined]
        ]
        assert {r.id for r in after["ratings"].values()} == {  # type: ignore[attr-defined]
            r.id
            for r in before["ratings"].values()  # type: ignore[attr-defined]
        }
