"""`seed --demo` leaves deals made through the real services: two completed sales, an
order to ship, an open offer; seeding again changes nothing (the ledger check runs after
each test, conftest)."""

from __future__ import annotations

from sqlmodel import col, select

from c2c_api.db import Database
from c2c_api.demo import seed_demo
from c2c_api.demo_deals import BACKPACK_TITLE, BIKE_OFFER, BIKE_TITLE, BOOKS_TITLE, LAMP_TITLE
from c2c_api.ledger.service import balance, member_available, order_escrow
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.offers.models import Offer, OfferStatus
from c2c_api.orders.models import Order
from c2c_api.users.models import Member


async def _state(db: Database) -> dict[str, object]:
    async with db.sessionmaker() as session:
        people = {m.email: m.id for m in await session.exec(select(Member))}
        listings = {x.title: x for x in await session.exec(select(Listing))}
        orders = {o.listing_id: o for o in await session.exec(select(Order))}
        offers = list(await session.exec(select(Offer)))
        lamp = orders[listings[LAMP_TITLE].id]
        backpack = orders[listings[BACKPACK_TITLE].id]
        return {
            "people": people,
            "listings": listings,
            "lamp": lamp,
            "backpack": backpack,
            "offers": offers,
            "orders": len(orders),
            "carol_available": await balance(
                session, account=member_available(people["carol@example.com"]), currency="EUR"
            ),
            "backpack_escrow": await balance(
                session, account=order_escrow(backpack.id), currency="EUR"
            ),
        }


class TestDemoDeals:
    async def test_a_completed_sale_an_order_to_ship_and_an_open_offer(self, db: Database) -> None:
        await seed_demo(db)
        s = await _state(db)
        people, listings = s["people"], s["listings"]
        assert isinstance(people, dict) and isinstance(listings, dict)
        lamp, backpack = s["lamp"], s["backpack"]
        assert isinstance(lamp, Order) and isinstance(backpack, Order)

        # Carol sold Bob the lamp: 90.00 + 6.90 shipping reached her available balance.
        assert (lamp.state, lamp.buyer_id, lamp.seller_id) == (
            "COMPLETED",
            people["bob@example.com"],
            people["carol@example.com"],
        )
        assert s["carol_available"] == lamp.seller_net == 9000 + 690
        assert listings[LAMP_TITLE].status == ListingStatus.SOLD

        # Alice has the backpack to ship to Carol; its total is held in escrow.
        assert (backpack.state, backpack.seller_id) == ("PAID", people["alice@example.com"])
        assert s["backpack_escrow"] == backpack.total == 5500 + 690 + 275 + 70

        # Carol's offer on Alice's bike awaits Alice's answer.
        (offer,) = s["offers"]
        assert isinstance(offer, Offer)
        assert (offer.status, offer.amount, offer.listing_id, offer.seller_id) == (
            OfferStatus.PENDING,
            BIKE_OFFER,
            listings[BIKE_TITLE].id,
            people["alice@example.com"],
        )

    async def test_seeding_again_changes_nothing(self, db: Database) -> None:
        await seed_demo(db)
        again = await seed_demo(db)
        assert not again.created
        async with db.sessionmaker() as session:
            assert len(list(await session.exec(select(Order)))) == 3
            assert len(list(await session.exec(select(Offer)))) == 1
            sold = await session.exec(
                select(Listing).where(col(Listing.status) == ListingStatus.SOLD)
            )
            assert {x.title for x in sold} == {LAMP_TITLE, BOOKS_TITLE}
