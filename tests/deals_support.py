"""Arranging deals in tests: members, SALE and WANTED listings, orders, payments, the worker."""

from __future__ import annotations

import uuid
from typing import Any

from c2c_api.authz import Actor
from c2c_api.categories.models import Category
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.orders import payments
from c2c_api.orders import service as orders
from c2c_api.orders.models import Handover, Order
from c2c_api.payments.fees import FeeSchedule
from c2c_api.users.models import Member
from factories import create_member, member_actor

CATEGORY = "deals-test"


async def member(db: Database, **overrides: Any) -> tuple[Member, Actor]:
    async with db.transaction() as session:
        m = await create_member(session, **overrides)
    return m, member_actor(m)


async def listing(
    db: Database,
    seller: Member,
    *,
    kind: ListingKind = ListingKind.SALE,
    price: int = 1000,
    quantity: int = 1,
    accepts_offers: bool = True,
    shipping_fee: int | None = 300,
    meetup: bool = True,
    currency: str = "EUR",
    partner_id: uuid.UUID | None = None,
) -> Listing:
    """A committed, published listing (shipping and meet-up offered)."""
    async with db.transaction() as session:
        if await session.get(Category, CATEGORY) is None:
            session.add(Category(slug=CATEGORY, name={"en": "Test", "fr": "Test"}))
            await session.flush()
        now = utcnow()
        row = Listing(
            kind=kind,
            status=ListingStatus.PUBLISHED,
            seller_id=seller.id,
            partner_id=partner_id,
            title="Vintage bike" if kind == ListingKind.SALE else "Looking for a bike",
            category_slug=CATEGORY,
            price=price,
            sort_price=price,
            quantity=quantity,
            currency=currency,
            accepts_offers=accepts_offers,
            shipping_enabled=shipping_fee is not None,
            shipping_fee=shipping_fee,
            meetup_enabled=meetup,
            created_at=now,
            updated_at=now,
            published_at=now,
        )
        session.add(row)
    return row


async def buy(
    db: Database,
    buyer: Actor,
    item: Listing,
    *,
    quantity: int = 1,
    handover: Handover = Handover.SHIPPING,
) -> Order:
    async with db.transaction() as session:
        return await orders.create_order(
            session,
            buyer,
            listing_id=item.id,
            quantity=quantity,
            handover=handover,
            fees=FeeSchedule(),
        )


async def pay(db: Database, buyer: Actor, order: Order, card: str = "card_success") -> None:
    provider = payments.provider_for(db, db.settings)
    await payments.pay_order(db, buyer, provider, order_id=order.id, payment_method=card)


async def act(db: Database, actor: Actor, order: Order, name: str, **inputs: Any) -> Order:
    async with db.transaction() as session:
        updated, _ = await orders.take_transition(
            session, actor, order_id=order.id, name=name, inputs=inputs
        )
    return updated


async def reload(db: Database, order: Order) -> Order:
    async with db.sessionmaker() as session:
        found = await session.get(Order, order.id)
    assert found is not None
    return found


async def reload_listing(db: Database, item: Listing) -> Listing:
    async with db.sessionmaker() as session:
        found = await session.get(Listing, item.id)
    assert found is not None
    return found
