"""Arranging rated deals in tests: a completed order between two members, ratings, reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from c2c_api.authz import Actor
from c2c_api.db import Database
from c2c_api.orders.models import Order
from c2c_api.ratings import service as ratings
from c2c_api.ratings.models import Criterion, Rating
from c2c_api.users.models import Member
from deals_support import act, buy, listing, member, pay


@dataclass
class Deal:
    seller: Member
    as_seller: Actor
    buyer: Member
    as_buyer: Actor
    order: Order


async def completed_deal(
    db: Database,
    *,
    seller: tuple[Member, Actor] | None = None,
    buyer: tuple[Member, Actor] | None = None,
    complete: bool = True,
) -> Deal:
    """A shipped SALE the buyer accepted (COMPLETED now), or only paid (`complete=False`)."""
    seller_row, as_seller = seller or await member(db)
    buyer_row, as_buyer = buyer or await member(db)
    order = await buy(db, as_buyer, await listing(db, seller_row))
    await pay(db, as_buyer, order)
    if complete:
        await act(db, as_seller, order, "ship", carrier="La Poste", trackingNumber="X1")
        await act(db, as_buyer, order, "confirm_receipt")
        order = await act(db, as_buyer, order, "accept_item")
        assert order.state == "COMPLETED"
    return Deal(seller_row, as_seller, buyer_row, as_buyer, order)


async def rate(
    db: Database,
    actor: Actor,
    order: Order,
    score: int = 5,
    *,
    comment: str | None = None,
    criteria: Sequence[tuple[Criterion, int]] = (),
) -> Rating:
    async with db.transaction() as session:
        return await ratings.rate_order(
            session,
            actor,
            order_id=order.id,
            score=score,
            comment=comment,
            criteria=criteria,
            settings=db.settings,
        )


async def ratings_of(db: Database, order: Order) -> list[Rating]:
    async with db.sessionmaker() as session:
        return (await ratings.ratings_of_orders(session, [order.id]))[order.id]


async def view(db: Database, actor: Actor, order: Order) -> ratings.RatingView | None:
    async with db.sessionmaker() as session:
        rows = (await ratings.ratings_of_orders(session, [order.id]))[order.id]
        fresh = await session.get(Order, order.id)
    assert fresh is not None
    return ratings.rating_view(actor, fresh, rows)


async def visible(db: Database, actor: Actor, rating_id: uuid.UUID) -> bool:
    async with db.sessionmaker() as session:
        return rating_id in await ratings.get_ratings(session, actor, [rating_id])
