"""Demo deals: a completed sale, an order to ship and an open offer, made through the real
services (orders, the sandbox provider, offers), so the ledger is what real use leaves.

    Carol sold Bob a desk lamp: paid, shipped, received, accepted (Carol's available balance)
    Alice sold Carol a backpack: paid, to ship (Alice's myOrders(role: SELLER, states: [PAID]))
    Carol offered 150.00 on Alice's city bike: PENDING (Alice's myOffers(direction: RECEIVED))

Each deal is resumable: a step already done is skipped, so seeding again does nothing and a
seed interrupted half-way is finished by the next one. Their timers run as in real use: the
worker of `c2c-api serve` refunds the unshipped order after 5 days and expires the offer
after 48 hours.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from c2c_api.authz import Actor, ActorKind
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.db import Database
from c2c_api.listings import service as listings
from c2c_api.listings.models import Condition, Listing
from c2c_api.offers import service as offers
from c2c_api.offers.models import Offer
from c2c_api.orders import payments
from c2c_api.orders import service as orders
from c2c_api.orders.models import Handover, Order
from c2c_api.orders.process import ORDERS
from c2c_api.payments.fees import FeeSchedule

MEMBER_SCOPES = frozenset({"listings:write", "offers:write", "orders:write"})
DEMO_CARD = "card_success"

LAMP_TITLE = "Lampe de bureau Jieldé"
BACKPACK_TITLE = "Sac à dos Fjällräven Kånken"
BIKE_TITLE = "Vélo de ville Peugeot vintage"  # a demo listing (demo_listings.py)
BIKE_OFFER = 15000

_PARIS = {"city": "Paris", "country": "FR", "latitude": 48.8566, "longitude": 2.3522}
_LYON = {"city": "Lyon", "country": "FR", "latitude": 45.7640, "longitude": 4.8357}
_SHIP = {"shipping_enabled": True, "shipping_fee": 690, "shipping_carriers": ["colissimo"]}

# (seller, buyer, listing values, the transitions after payment: (who, name, inputs)).
SALES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, dict[str, Any]]]]] = [
    (
        "carol@example.com",
        "bob@example.com",
        {
            "title": LAMP_TITLE,
            "description": "Lampe d'atelier articulée, métal brut, fonctionne parfaitement.",
            "category_slug": "lighting",
            "condition": Condition.GOOD,
            "price": 9000,
            **_PARIS,
            **_SHIP,
        },
        [
            (
                "seller",
                "ship",
                {"carrier": "Colissimo", "trackingNumber": "6A00000000001"},
            ),
            ("buyer", "confirm_receipt", {}),
            ("buyer", "accept_item", {}),
        ],
    ),
    (
        "alice@example.com",
        "carol@example.com",
        {
            "title": BACKPACK_TITLE,
            "description": "Sac à dos jaune, 16 L, très peu servi.",
            "category_slug": "backpacks",
            "condition": Condition.LIKE_NEW,
            "price": 5500,
            **_LYON,
            **_SHIP,
        },
        [],
    ),
]


@dataclass(frozen=True)
class DemoDeals:
    """How many deal steps this call took (0: the deals were already there)."""

    steps: int


def _actor(member_id: uuid.UUID) -> Actor:
    return Actor(kind=ActorKind.MEMBER, member_id=member_id, scopes=MEMBER_SCOPES)


async def _listing(db: Database, seller: uuid.UUID, values: Mapping[str, Any]) -> Listing:
    """The seller's listing of this title, created and published if absent."""
    async with db.transaction() as session:
        found = (
            await session.exec(
                select(Listing).where(
                    col(Listing.seller_id) == seller, col(Listing.title) == values["title"]
                )
            )
        ).first()
        if found is not None:
            return found
        actor = Actor(kind=ActorKind.MEMBER, member_id=seller, scopes=frozenset({"listings:write"}))
        listing = await listings.create_listing(
            session, actor, kind=ListingKind.SALE, values=dict(values)
        )
        return await listings.publish_listing(
            session, actor, listing_id=listing.id, expected_version=listing.version
        )


async def _sale(
    db: Database,
    people: Mapping[str, uuid.UUID],
    fees: FeeSchedule,
    seller_email: str,
    buyer_email: str,
    values: Mapping[str, Any],
    after_payment: list[tuple[str, str, dict[str, Any]]],
) -> int:
    seller, buyer = people[seller_email], people[buyer_email]
    steps = 0
    listing = await _listing(db, seller, values)
    async with db.transaction() as session:
        order = (
            await session.exec(
                select(Order).where(
                    col(Order.listing_id) == listing.id,
                    col(Order.buyer_id) == buyer,
                    col(Order.state) != "CANCELLED",
                )
            )
        ).first()
        if order is None:
            order = await orders.create_order(
                session,
                _actor(buyer),
                listing_id=listing.id,
                quantity=1,
                handover=Handover.SHIPPING,
                fees=fees,
            )
            steps += 1
        order_id, state = order.id, order.state
    if state == "AWAITING_PAYMENT":
        provider = payments.provider_for(db, db.settings)
        await payments.pay_order(
            db, _actor(buyer), provider, order_id=order_id, payment_method=DEMO_CARD
        )
        steps += 1
    for who, name, inputs in after_payment:
        async with db.transaction() as session:
            current = await session.get(Order, order_id)
            assert current is not None
            actor = _actor(seller if who == "seller" else buyer)
            roles = orders.roles_of(actor, current)
            if name not in {t.name for t in ORDERS.available(current, roles)}:
                continue
            await orders.take_transition(
                session, actor, order_id=order_id, name=name, inputs=inputs
            )
            steps += 1
    return steps


async def _open_offer(db: Database, people: Mapping[str, uuid.UUID], fees: FeeSchedule) -> int:
    """Carol's pending offer on Alice's city bike (meet-up)."""
    alice, carol = people["alice@example.com"], people["carol@example.com"]
    async with db.transaction() as session:
        bike = (
            await session.exec(
                select(Listing).where(
                    col(Listing.seller_id) == alice, col(Listing.title) == BIKE_TITLE
                )
            )
        ).first()
        if bike is None:
            return 0
        made = (
            await session.exec(
                select(Offer).where(col(Offer.listing_id) == bike.id, col(Offer.buyer_id) == carol)
            )
        ).first()
        if made is not None:
            return 0
        await offers.make_offer(
            session,
            _actor(carol),
            listing_id=bike.id,
            amount=BIKE_OFFER,
            currency=bike.currency,
            handover=Handover.MEETUP,
            message="Bonjour, 150 € et je viens le chercher samedi ?",
            fees=fees,
        )
    return 1


async def seed_demo_deals(db: Database, people: Mapping[str, uuid.UUID]) -> DemoDeals:
    """Make the demo deals (or what is left of them) through the real services."""
    fees = FeeSchedule.from_settings(db.settings)
    steps = 0
    for seller, buyer, values, after_payment in SALES:
        steps += await _sale(db, people, fees, seller, buyer, values, after_payment)
    steps += await _open_offer(db, people, fees)
    return DemoDeals(steps=steps)
