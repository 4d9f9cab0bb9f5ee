"""Reputation is derived from revealed ratings only: count, plain and Bayesian averages (prior
4.5 over 5 pseudo-ratings, a setting), the 90-day trend, per role and per criterion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from c2c_api.db import Database
from c2c_api.kit.clock import clock
from c2c_api.ratings import service as ratings
from c2c_api.ratings.models import Criterion
from deals_support import member
from ratings_support import completed_deal, rate

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


async def reputation_of(db: Database, member_id, **kw) -> ratings.Reputation:  # type: ignore[no-untyped-def]
    async with db.sessionmaker() as session:
        return (await ratings.reputations(session, [member_id], **kw))[member_id]


class TestReputation:
    async def test_a_member_without_ratings_stands_at_the_prior(self, db: Database) -> None:
        someone, _ = await member(db)
        rep = await reputation_of(db, someone.id)
        for standing in (rep.overall, rep.as_seller, rep.as_buyer):
            assert (standing.count, standing.all.average, standing.bayesian_average) == (
                0,
                None,
                4.5,
            )
            assert standing.trend is None and standing.criteria == {}

    async def test_the_formula_per_role_criterion_and_period(self, db: Database) -> None:
        seller = await member(db)
        clock.freeze(T0)
        # long ago (more than 90 days before "now"): two sales rated 5 and 4 by buyers
        old = []
        for score in (5, 4):
            deal = await completed_deal(db, seller=seller)
            await rate(db, deal.as_buyer, deal.order, score, criteria=[(Criterion.HANDOVER, score)])
            await rate(db, deal.as_seller, deal.order, 5)
            old.append(deal)
        # recently: one sale rated 2 (revealed with the seller's rating), one rated 1 but
        # still hidden (the seller has not rated): it does not count
        clock.freeze(T0 + timedelta(days=100))
        recent = await completed_deal(db, seller=seller)
        await rate(
            db,
            recent.as_buyer,
            recent.order,
            2,
            criteria=[(Criterion.HANDOVER, 1), (Criterion.COMMUNICATION, 3)],
        )
        await rate(db, recent.as_seller, recent.order, 4)
        hidden = await completed_deal(db, seller=seller)
        await rate(db, hidden.as_buyer, hidden.order, 1, criteria=[(Criterion.HANDOVER, 1)])
        rep = await reputation_of(db, seller[0].id, now=T0 + timedelta(days=101))
        s = rep.as_seller
        assert (s.count, s.all.total) == (3, 11)
        assert s.all.average == pytest.approx(11 / 3)
        assert s.bayesian_average == pytest.approx((4.5 * 5 + 11) / (5 + 3))
        assert (s.recent.count, s.recent.average) == (1, 2.0)
        assert s.trend == pytest.approx(2.0 - 4.5)
        assert {c: (t.count, t.total) for c, t in s.criteria.items()} == {
            Criterion.HANDOVER: (3, 10),
            Criterion.COMMUNICATION: (1, 3),
        }
        assert rep.as_buyer.count == 0 and rep.as_buyer.bayesian_average == 4.5
        assert rep.overall.count == 3
        assert rep.overall.bayesian_average == pytest.approx(s.bayesian_average)
        # the buyers of the old deals were rated 5 by the seller, the recent one 4
        buyer_rep = await reputation_of(db, old[0].buyer.id)
        assert (buyer_rep.as_buyer.count, buyer_rep.as_seller.count) == (1, 0)
        assert buyer_rep.as_buyer.bayesian_average == pytest.approx((4.5 * 5 + 5) / 6)

    async def test_the_prior_is_a_setting(self, db: Database) -> None:
        deal = await completed_deal(db)
        await rate(db, deal.as_buyer, deal.order, 1)
        await rate(db, deal.as_seller, deal.order, 5)
        plain = await reputation_of(
            db, deal.seller.id, rules=ratings.RatingRules(prior_mean=3.0, prior_weight=0)
        )
        assert plain.overall.bayesian_average == 1.0
        strong = await reputation_of(
            db, deal.seller.id, rules=ratings.RatingRules(prior_mean=3.0, prior_weight=9)
        )
        assert strong.overall.bayesian_average == pytest.approx((3.0 * 9 + 1) / 10)

    async def test_a_member_rated_both_as_seller_and_as_buyer(self, db: Database) -> None:
        first = await completed_deal(db)
        await rate(db, first.as_buyer, first.order, 2)
        await rate(db, first.as_seller, first.order, 4)
        # the first deal's buyer now sells to someone, who rates them 5
        second = await completed_deal(db, seller=(first.buyer, first.as_buyer))
        await rate(db, second.as_buyer, second.order, 5)
        await rate(db, second.as_seller, second.order, 3)
        rep = await reputation_of(db, first.buyer.id)
        assert (rep.as_buyer.count, rep.as_buyer.all.total) == (1, 4)
        assert (rep.as_seller.count, rep.as_seller.all.total) == (1, 5)
        assert (rep.overall.count, rep.overall.all.total) == (2, 9)
        assert rep.overall.bayesian_average == pytest.approx((4.5 * 5 + 9) / 7)
        assert rep.overall.recent.count == 2 and rep.overall.trend is None
