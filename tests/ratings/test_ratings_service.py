"""Rating a completed order, double-blind, on both databases: who sees what before and after
the reveal, the reveal by the second rating and by the window's timer, every refused input
(typed, nothing written), the one reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from c2c_api.db import Database
from c2c_api.errors import DomainError
from c2c_api.events.models import OutboxEvent, Timer, TimerStatus
from c2c_api.kit.clock import clock
from c2c_api.ratings import service as ratings
from c2c_api.ratings.models import Criterion, RatedRole, Rating, RatingCriterion
from deals_support import member
from factories import member_actor
from ratings_support import completed_deal, rate, ratings_of, view, visible
from worker_support import app_worker, drain

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def code_of(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value.code.value


async def revealed_events(db: Database) -> list[OutboxEvent]:
    async with db.sessionmaker() as session:
        rows = await session.exec(select(OutboxEvent).where(OutboxEvent.topic == "rating.revealed"))
        return list(rows)


async def reveal_timers(db: Database) -> list[Timer]:
    async with db.sessionmaker() as session:
        rows = await session.exec(select(Timer).where(Timer.action == "rating.reveal"))
        return list(rows)


class TestDoubleBlind:
    async def test_the_first_rating_is_seen_by_its_rater_only_until_the_second(
        self, db: Database
    ) -> None:
        clock.freeze(T0)
        deal = await completed_deal(db)
        first = await rate(
            db,
            deal.as_buyer,
            deal.order,
            4,
            comment="Nice bike",
            criteria=[(Criterion.ITEM_AS_DESCRIBED, 5), (Criterion.HANDOVER, 3)],
        )
        assert (first.rated_id, first.rated_as, first.revealed_at) == (
            deal.seller.id,
            RatedRole.SELLER,
            None,
        )
        # the rater sees it; the seller sees nothing of it, only that the buyer rated
        assert await visible(db, deal.as_buyer, first.id)
        assert not await visible(db, deal.as_seller, first.id)
        buyer_view = await view(db, deal.as_buyer, deal.order)
        seller_view = await view(db, deal.as_seller, deal.order)
        assert buyer_view is not None and seller_view is not None
        assert buyer_view.given is not None and buyer_view.given.id == first.id
        assert (buyer_view.can_rate, buyer_view.other_has_rated) == (False, False)
        assert (seller_view.given, seller_view.received) == (None, None)
        assert (seller_view.can_rate, seller_view.other_has_rated) == (True, True)
        assert seller_view.deadline == T0 + timedelta(days=14)
        # nor does anyone else
        stranger, _ = await member(db)
        assert not await visible(db, member_actor(stranger), first.id)
        # the window's timer is armed at the end of the window
        assert [(t.due_at, t.status) for t in await reveal_timers(db)] == [
            (T0 + timedelta(days=14), TimerStatus.PENDING)
        ]
        assert await revealed_events(db) == []

        clock.freeze(T0 + timedelta(days=3))
        second = await rate(
            db, deal.as_seller, deal.order, 5, criteria=[(Criterion.PUNCTUALITY, 5)]
        )
        rows = {r.id: r for r in await ratings_of(db, deal.order)}
        assert {r.revealed_at for r in rows.values()} == {T0 + timedelta(days=3)}
        assert second.revealed_at == T0 + timedelta(days=3)
        for actor in (deal.as_buyer, deal.as_seller, member_actor(stranger)):
            assert await visible(db, actor, first.id)
            assert await visible(db, actor, second.id)
        seller_view = await view(db, deal.as_seller, deal.order)
        assert seller_view is not None and seller_view.received is not None
        assert seller_view.received.id == first.id
        # both members are told, once; the timer is cancelled
        events = await revealed_events(db)
        assert sorted(str(e.member_id) for e in events) == sorted(
            [str(deal.buyer.id), str(deal.seller.id)]
        )
        assert all(sorted(e.payload["ratingIds"]) == sorted(map(str, rows)) for e in events)
        # the seller's rating revealed them: only the buyer is to be notified
        assert {str(e.member_id): e.payload["notify"] for e in events} == {
            str(deal.buyer.id): True,
            str(deal.seller.id): False,
        }
        assert [t.status for t in await reveal_timers(db)] == [TimerStatus.CANCELLED]

    async def test_the_window_timer_reveals_a_lone_rating_and_closes_the_window(
        self, db: Database
    ) -> None:
        clock.freeze(T0)
        deal = await completed_deal(db)
        lone = await rate(db, deal.as_seller, deal.order, 2, comment="Slow to answer")
        clock.freeze(T0 + timedelta(days=14) - timedelta(seconds=1))
        await drain(app_worker(db))
        assert not await visible(db, deal.as_buyer, lone.id)
        clock.freeze(T0 + timedelta(days=14))
        await drain(app_worker(db))
        assert await visible(db, deal.as_buyer, lone.id)
        [row] = await ratings_of(db, deal.order)
        assert row.revealed_at == T0 + timedelta(days=14)
        events = await revealed_events(db)
        assert len(events) == 2 and all(e.payload["notify"] for e in events)
        assert await code_of(rate(db, deal.as_buyer, deal.order, 1)) == "RATING_WINDOW_CLOSED"
        buyer_view = await view(db, deal.as_buyer, deal.order)
        assert buyer_view is not None and buyer_view.can_rate is False
        assert buyer_view.received is not None and buyer_view.received.id == lone.id

    async def test_a_revealed_rating_is_final(self, db: Database) -> None:
        deal = await completed_deal(db)
        await rate(db, deal.as_buyer, deal.order, 5)
        await rate(db, deal.as_seller, deal.order, 5)
        assert await code_of(rate(db, deal.as_buyer, deal.order, 1)) == "ALREADY_RATED"
        assert {r.score for r in await ratings_of(db, deal.order)} == {5}


class TestRefusals:
    async def test_each_bad_input_is_a_typed_error_and_writes_nothing(self, db: Database) -> None:
        clock.freeze(T0)
        deal = await completed_deal(db)
        stranger, _ = await member(db)
        order, buyer, seller = deal.order, deal.as_buyer, deal.as_seller
        cases = [
            (rate(db, member_actor(stranger), order), "ORDER_NOT_FOUND"),
            # a party whose token may not rate does not see the order for rating
            (rate(db, member_actor(deal.buyer, "orders:write"), order), "ORDER_NOT_FOUND"),
            (rate(db, buyer, order, 0), "RATING_SCORE_INVALID"),
            (rate(db, buyer, order, 6), "RATING_SCORE_INVALID"),
            (rate(db, buyer, order, criteria=[(Criterion.HANDOVER, 9)]), "RATING_SCORE_INVALID"),
            (
                rate(db, buyer, order, criteria=[(Criterion.PUNCTUALITY, 4)]),
                "RATING_CRITERION_NOT_ALLOWED",
            ),
            (
                rate(db, seller, order, criteria=[(Criterion.ITEM_AS_DESCRIBED, 4)]),
                "RATING_CRITERION_NOT_ALLOWED",
            ),
            (
                rate(
                    db,
                    buyer,
                    order,
                    criteria=[(Criterion.HANDOVER, 4), (Criterion.HANDOVER, 5)],
                ),
                "RATING_CRITERION_NOT_ALLOWED",
            ),
            (rate(db, buyer, order, comment="x" * 1001), "INVALID_INPUT"),
            (rate(db, buyer, order, comment="bad\x00byte"), "INVALID_INPUT"),
            (rate(db, buyer, order, comment="escape\x1b[31m"), "INVALID_INPUT"),
        ]
        for call, expected in cases:
            assert await code_of(call) == expected
        assert await ratings_of(db, order) == []
        assert await reveal_timers(db) == []
        # a comment of 1000 characters with line breaks is fine
        ok = await rate(db, buyer, order, comment=("line\n" * 200)[:1000])
        assert ok.comment is not None and len(ok.comment) <= 1000

    async def test_an_order_is_rated_only_once_completed(self, db: Database) -> None:
        deal = await completed_deal(db, complete=False)
        assert await code_of(rate(db, deal.as_buyer, deal.order)) == "ORDER_NOT_COMPLETED"
        assert await code_of(rate(db, deal.as_seller, deal.order)) == "ORDER_NOT_COMPLETED"
        assert await ratings_of(db, deal.order) == []

    async def test_rating_twice_is_refused_and_keeps_the_first(self, db: Database) -> None:
        deal = await completed_deal(db)
        first = await rate(db, deal.as_buyer, deal.order, 3, criteria=[(Criterion.HANDOVER, 2)])
        assert await code_of(rate(db, deal.as_buyer, deal.order, 5)) == "ALREADY_RATED"
        [row] = await ratings_of(db, deal.order)
        assert (row.id, row.score, row.revealed_at) == (first.id, 3, None)
        async with db.sessionmaker() as session:
            criteria = (await ratings.criteria_of(session, [first.id]))[first.id]
        assert [(c.criterion, c.score) for c in criteria] == [(Criterion.HANDOVER, 2)]

    async def test_rating_after_the_window_is_refused(self, db: Database) -> None:
        clock.freeze(T0)
        deal = await completed_deal(db)
        clock.freeze(T0 + timedelta(days=14))
        assert await code_of(rate(db, deal.as_buyer, deal.order)) == "RATING_WINDOW_CLOSED"
        clock.freeze(T0 + timedelta(days=14) - timedelta(seconds=1))
        await rate(db, deal.as_buyer, deal.order)


async def reply(db: Database, actor, rating: Rating, text: str = "Thanks!") -> Rating:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return await ratings.reply_to_rating(session, actor, rating_id=rating.id, text=text)


class TestReply:
    async def test_the_rated_member_replies_once_after_the_reveal(self, db: Database) -> None:
        clock.freeze(T0)
        deal = await completed_deal(db)
        about_seller = await rate(db, deal.as_buyer, deal.order, 2, comment="Scratched")
        # hidden from the seller: it does not exist for them
        assert await code_of(reply(db, deal.as_seller, about_seller)) == "RATING_NOT_FOUND"
        # the rater cannot answer their own rating
        assert await code_of(reply(db, deal.as_buyer, about_seller)) == "NOT_YOURS_TO_REPLY"
        about_buyer = await rate(db, deal.as_seller, deal.order, 5)
        stranger, _ = await member(db)
        assert await code_of(reply(db, member_actor(stranger), about_seller)) == (
            "NOT_YOURS_TO_REPLY"
        )
        # a rating about someone else
        assert await code_of(reply(db, deal.as_seller, about_buyer)) == "NOT_YOURS_TO_REPLY"
        for bad in ("", "   ", "x" * 1001, "nul\x00"):
            assert await code_of(reply(db, deal.as_seller, about_seller, bad)) == "INVALID_INPUT"
        clock.freeze(T0 + timedelta(hours=1))
        answered = await reply(db, deal.as_seller, about_seller, "  Shipped as shown.  ")
        assert (answered.reply, answered.replied_at) == (
            "Shipped as shown.",
            T0 + timedelta(hours=1),
        )
        assert await code_of(reply(db, deal.as_seller, about_seller, "Again")) == "ALREADY_REPLIED"
        rows = {r.id: r for r in await ratings_of(db, deal.order)}
        assert rows[about_seller.id].reply == "Shipped as shown."
        assert rows[about_buyer.id].reply is None


class TestCriteriaStorage:
    async def test_criteria_are_stored_per_rating(self, db: Database) -> None:
        deal = await completed_deal(db)
        rating = await rate(
            db,
            deal.as_buyer,
            deal.order,
            4,
            criteria=[
                (Criterion.ITEM_AS_DESCRIBED, 5),
                (Criterion.COMMUNICATION, 4),
                (Criterion.HANDOVER, 3),
            ],
        )
        async with db.sessionmaker() as session:
            rows = list(
                await session.exec(
                    select(RatingCriterion).where(RatingCriterion.rating_id == rating.id)
                )
            )
        assert sorted((r.criterion.value, r.score) for r in rows) == [
            ("COMMUNICATION", 4),
            ("HANDOVER", 3),
            ("ITEM_AS_DESCRIBED", 5),
        ]


class TestWindowSetting:
    async def test_a_longer_window_set_meanwhile_moves_the_reveal(self, db: Database) -> None:
        """The timer was armed for 14 days; the setting is now 20: it re-arms, reveals later."""
        clock.freeze(T0)
        deal = await completed_deal(db)
        lone = await rate(db, deal.as_buyer, deal.order, 4)
        longer = ratings.RatingRules(window=timedelta(days=20))
        clock.freeze(T0 + timedelta(days=14))
        async with db.transaction() as session:
            assert (
                await ratings.reveal_due_ratings(
                    session, order_id=deal.order.id, settings=db.settings, rules=longer
                )
                == 0
            )
        assert [(t.due_at, t.status) for t in await reveal_timers(db)] == [
            (T0 + timedelta(days=20), TimerStatus.PENDING)
        ]
        assert not await visible(db, deal.as_seller, lone.id)
        clock.freeze(T0 + timedelta(days=20))
        async with db.transaction() as session:
            assert (
                await ratings.reveal_due_ratings(
                    session, order_id=deal.order.id, settings=db.settings, rules=longer
                )
                == 1
            )
        assert await visible(db, deal.as_seller, lone.id)
