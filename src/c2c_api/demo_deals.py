"""Demo deals: a completed sale, an order to ship, an open offer and a conversation, made
through the real services (orders, the sandbox provider, offers, ratings, conversations), so
the ledger, the threads and the reputations are what real use leaves.

    Carol sold Bob a desk lamp: paid, shipped, received, accepted (Carol's available balance);
        both rated the other (revealed, with criteria) and Carol replied to Bob's rating
    Bob sold Carol a box set of books: completed; only Carol rated (hidden until Bob rates or
        the window ends)
    Alice sold Carol a backpack: paid, to ship (Alice's myOrders(role: SELLER, states: [PAID]))
    Carol offered 150.00 on Alice's city bike: PENDING (Alice's myOffers(direction: RECEIVED))
    Bob asks Carol about her turntable swap: five messages both ways, one of Carol's carrying
        scam warnings (a phone number, "call me"); Bob's last message is unread for Carol

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

import sqlalchemy as sa
from sqlmodel import col, select

from c2c_api.authz import Actor, ActorKind
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.conversations import service as conversations
from c2c_api.conversations.models import Message, MessageKind, Thread
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
from c2c_api.ratings import service as ratings
from c2c_api.ratings.errors import RatingWindowClosed
from c2c_api.ratings.models import Criterion, Rating

MEMBER_SCOPES = frozenset(
    {"listings:write", "offers:write", "orders:write", "ratings:write", "messages:write"}
)
DEMO_CARD = "card_success"

LAMP_TITLE = "Lampe de bureau Jieldé"
BACKPACK_TITLE = "Sac à dos Fjällräven Kånken"
BIKE_TITLE = "Vélo de ville Peugeot vintage"  # a demo listing (demo_listings.py)
BIKE_OFFER = 15000
BOOKS_TITLE = "Harry Potter box set (English)"
BOOKS_RATING = (4, "Books as described, a little slow to ship.")  # Carol's, still hidden
TURNTABLE_TITLE = "Échange platine vinyle contre enceintes"  # Carol's (demo_listings.py)

# Bob and Carol about the turntable: (who, text), in order.
CONVERSATION: list[tuple[str, str]] = [
    (
        "bob@example.com",
        "Hi Carol, is the Technics turntable still available? I have a pair "
        "of Edifier bookshelf speakers.",
    ),
    ("carol@example.com", "Bonjour Bob, oui, toujours disponible ! Elles sont en bon état ?"),
    (
        "bob@example.com",
        "Yes, barely used, with the original box. I can come to Paris on Saturday.",
    ),
    ("carol@example.com", "Parfait. Appelez-moi au 06 12 34 56 78, ce sera plus simple."),
    ("bob@example.com", "I'd rather keep talking here, if that's all right. Saturday 10am?"),
]
# The lamp's ratings: (rater, score, comment, criteria); Carol replies to Bob's.
LAMP_RATINGS: list[tuple[str, int, str, dict[Criterion, int]]] = [
    (
        "bob@example.com",
        5,
        "Lovely lamp, exactly as described, and very well packed.",
        {Criterion.ITEM_AS_DESCRIBED: 5, Criterion.COMMUNICATION: 5, Criterion.HANDOVER: 4},
    ),
    (
        "carol@example.com",
        5,
        "Paiement rapide, réception confirmée aussitôt. Merci !",
        {Criterion.COMMUNICATION: 5, Criterion.PUNCTUALITY: 5},
    ),
]
LAMP_REPLY = "Merci Bob, bonne lecture sous la lampe !"

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
    (
        "bob@example.com",
        "carol@example.com",
        {
            "title": BOOKS_TITLE,
            "description": "The seven books, paperback, English edition, in their box.",
            "category_slug": "books",
            "condition": Condition.GOOD,
            "price": 3500,
            "currency": "EUR",
            **_PARIS,
            **_SHIP,
        },
        [
            ("seller", "ship", {"carrier": "Colissimo", "trackingNumber": "6A00000000002"}),
            ("buyer", "confirm_receipt", {}),
            ("buyer", "accept_item", {}),
        ],
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


async def _conversation(db: Database, people: Mapping[str, uuid.UUID]) -> int:
    """Bob's questions to Carol about her turntable swap: the messages not sent yet."""
    bob, carol = people["bob@example.com"], people["carol@example.com"]
    async with db.transaction() as session:
        turntable = (
            await session.exec(
                select(Listing).where(
                    col(Listing.seller_id) == carol, col(Listing.title) == TURNTABLE_TITLE
                )
            )
        ).first()
        if turntable is None:
            return 0
        thread = (
            await session.exec(
                select(Thread).where(
                    col(Thread.listing_id) == turntable.id, col(Thread.interested_id) == bob
                )
            )
        ).first()
        thread_id = thread.id if thread is not None else None
        sent = 0
        if thread_id is not None:
            sent = (
                await session.exec(
                    select(sa.func.count())
                    .select_from(Message)
                    .where(
                        col(Message.thread_id) == thread_id,
                        col(Message.kind) == MessageKind.TEXT,
                    )
                )
            ).one()
    steps = 0
    for who, text in CONVERSATION[int(sent) :]:
        async with db.transaction() as session:
            outcome = await conversations.send_message(
                session,
                _actor(people[who]),
                text=text,
                listing_id=turntable.id if thread_id is None else None,
                thread_id=thread_id,
            )
            assert outcome.thread is not None
            thread_id = outcome.thread.id
        steps += 1
    return steps


async def _lamp_ratings(db: Database, people: Mapping[str, uuid.UUID]) -> int:
    """Bob and Carol rate each other on the lamp (revealed by the second); Carol replies."""
    carol, bob = people["carol@example.com"], people["bob@example.com"]
    async with db.transaction() as session:
        lamp = (
            await session.exec(
                select(Listing).where(
                    col(Listing.seller_id) == carol, col(Listing.title) == LAMP_TITLE
                )
            )
        ).first()
        order = None
        if lamp is not None:
            order = (
                await session.exec(
                    select(Order).where(
                        col(Order.listing_id) == lamp.id,
                        col(Order.buyer_id) == bob,
                        col(Order.state) == "COMPLETED",
                    )
                )
            ).first()
        if order is None:
            return 0
        order_id = order.id
        rows = (await ratings.ratings_of_orders(session, [order_id]))[order_id]
        done = {r.rater_id: r for r in rows}
    steps = 0
    for who, score, comment, criteria in LAMP_RATINGS:
        if people[who] in done:
            continue
        try:
            async with db.transaction() as session:
                rating = await ratings.rate_order(
                    session,
                    _actor(people[who]),
                    order_id=order_id,
                    score=score,
                    comment=comment,
                    criteria=criteria,
                    settings=db.settings,
                )
        except RatingWindowClosed:  # a demo seeded long ago and left half-rated
            return steps
        done[people[who]] = rating
        steps += 1
    async with db.transaction() as session:
        about_carol = (
            await session.exec(
                select(Rating).where(col(Rating.order_id) == order_id, col(Rating.rater_id) == bob)
            )
        ).first()
        ready = about_carol is not None and about_carol.revealed_at is not None
        if ready and about_carol is not None and about_carol.reply is None:
            await ratings.reply_to_rating(
                session, _actor(carol), rating_id=about_carol.id, text=LAMP_REPLY
            )
            steps += 1
    return steps


async def _books_rating(db: Database, people: Mapping[str, uuid.UUID]) -> int:
    """Carol rates Bob on the books; Bob has not rated: hidden until Bob rates or the window
    ends (the worker of `c2c-api serve` reveals it then)."""
    bob, carol = people["bob@example.com"], people["carol@example.com"]
    async with db.transaction() as session:
        order = (
            await session.exec(
                select(Order)
                .join(Listing, col(Listing.id) == col(Order.listing_id))
                .where(
                    col(Listing.seller_id) == bob,
                    col(Listing.title) == BOOKS_TITLE,
                    col(Order.buyer_id) == carol,
                    col(Order.state) == "COMPLETED",
                )
            )
        ).first()
        if order is None:
            return 0
        rows = (await ratings.ratings_of_orders(session, [order.id]))[order.id]
        if rows:
            return 0
        score, comment = BOOKS_RATING
        try:
            await ratings.rate_order(
                session,
                _actor(carol),
                order_id=order.id,
                score=score,
                comment=comment,
                criteria={Criterion.ITEM_AS_DESCRIBED: 5, Criterion.HANDOVER: 3},
                settings=db.settings,
            )
        except RatingWindowClosed:
            return 0
    return 1


async def seed_demo_deals(db: Database, people: Mapping[str, uuid.UUID]) -> DemoDeals:
    """Make the demo deals (or what is left of them) through the real services."""
    fees = FeeSchedule.from_settings(db.settings)
    steps = 0
    for seller, buyer, values, after_payment in SALES:
        steps += await _sale(db, people, fees, seller, buyer, values, after_payment)
    steps += await _open_offer(db, people, fees)
    steps += await _lamp_ratings(db, people)
    steps += await _books_rating(db, people)
    steps += await _conversation(db, people)
    return DemoDeals(steps=steps)
