"""The rating policy (authz.RatingPolicy): the Python predicate and the SQL clause agree, and
both say what docs/ratings.md's "Who sees what" says, for every kind of caller."""

from __future__ import annotations

from c2c_api.authz import ANONYMOUS, Actor, RatingPolicy
from c2c_api.db import Database
from c2c_api.ratings import service as ratings
from c2c_api.ratings.models import Rating
from deals_support import member
from factories import member_actor, operator_actor
from ratings_support import completed_deal, rate


class TestRatingPolicy:
    async def test_the_predicate_and_the_clause_agree_with_the_table(self, db: Database) -> None:
        hidden_deal = await completed_deal(db)
        hidden = await rate(db, hidden_deal.as_buyer, hidden_deal.order, 3)
        shown_deal = await completed_deal(db)
        shown = await rate(db, shown_deal.as_buyer, shown_deal.order, 4)
        other = await rate(db, shown_deal.as_seller, shown_deal.order, 5)
        stranger, _ = await member(db)
        staff, _ = await member(db, is_operator=True)
        callers: dict[str, Actor] = {
            "anonymous": ANONYMOUS,
            "the hidden rating's rater": hidden_deal.as_buyer,
            "its rater without ratings:write": member_actor(hidden_deal.buyer, "orders:write"),
            "the member it is about": hidden_deal.as_seller,
            "a stranger": member_actor(stranger),
            "an operator": operator_actor(staff),
        }
        async with db.sessionmaker() as session:
            rows: list[Rating] = [
                r
                for group in (
                    await ratings.ratings_of_orders(
                        session, [hidden_deal.order.id, shown_deal.order.id]
                    )
                ).values()
                for r in group
            ]
        assert {r.id for r in rows} == {hidden.id, shown.id, other.id}
        expected_hidden = {"the hidden rating's rater"}
        for name, actor in callers.items():
            async with db.sessionmaker() as session:
                by_sql = set(await ratings.get_ratings(session, actor, [r.id for r in rows]))
            by_python = {r.id for r in rows if RatingPolicy.can_see(actor, r)}
            assert by_sql == by_python, name
            # revealed ratings are public; the hidden one only for its rater
            assert by_python == {shown.id, other.id} | (
                {hidden.id} if name in expected_hidden else set()
            ), name
