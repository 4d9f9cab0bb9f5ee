"""Offers on SALE listings and answers to WANTED listings, through the services, on both
databases: the rules of ../shared/DEALS.md section 2 and every refusal as a typed error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from c2c_api.authz import Actor
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.db import Database
from c2c_api.errors import DomainError
from c2c_api.events.models import OutboxEvent
from c2c_api.kit.clock import clock
from c2c_api.listings import service as listings
from c2c_api.listings.models import Listing
from c2c_api.offers import service as offers
from c2c_api.offers.models import Offer, OfferStatus
from c2c_api.orders.models import Handover, Order
from deals_support import act, buy, listing, member, pay, reload, reload_listing
from engagement_support import publish_through_service
from worker_support import app_worker, drain

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def offer(db: Database, actor: Actor, item: Listing, amount: int, **kw: Any) -> Offer:
    kw.setdefault("currency", "EUR")
    if item.kind == ListingKind.SALE:
        kw.setdefault("handover", Handover.SHIPPING)
    async with db.transaction() as session:
        outcome = await offers.make_offer(session, actor, listing_id=item.id, amount=amount, **kw)
    return outcome.offer


async def answer(db: Database, fn: Any, actor: Actor, target: Offer, **kw: Any) -> Any:
    async with db.transaction() as session:
        return await fn(session, actor, offer_id=target.id, **kw)


async def code_of(call: Any) -> str:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value.code.value


async def status(db: Database, target: Offer) -> OfferStatus:
    async with db.sessionmaker() as session:
        row = await session.get(Offer, target.id)
    assert row is not None
    return row.status


class TestMakeOffer:
    async def test_an_offer_is_pending_and_tells_the_seller(self, db: Database) -> None:
        clock.freeze(T0)
        seller, _ = await member(db)
        _, buyer = await member(db)
        made = await offer(db, buyer, await listing(db, seller), 800)
        assert (made.status, made.expires_at) == (OfferStatus.PENDING, T0 + timedelta(hours=48))
        async with db.sessionmaker() as session:
            topics = {
                (e.topic, e.member_id) for e in (await session.exec(select(OutboxEvent))).all()
            }
        assert ("offer.received", seller.id) in topics
        assert ("deal.notify", seller.id) in topics

    @pytest.mark.parametrize(
        ("amount", "extra", "code"),
        [
            (499, {}, "OFFER_BELOW_FLOOR"),
            (0, {}, "AMOUNT_OUT_OF_RANGE"),
            (-5, {}, "AMOUNT_OUT_OF_RANGE"),
            (10**12 + 1, {}, "AMOUNT_OUT_OF_RANGE"),
            (800, {"currency": "USD"}, "OFFER_CURRENCY_MISMATCH"),
            (800, {"quantity": 2}, "OUT_OF_STOCK"),
        ],
    )
    async def test_refusals(
        self, db: Database, amount: int, extra: dict[str, Any], code: str
    ) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        assert await code_of(offer(db, buyer, item, amount, **extra)) == code
        async with db.sessionmaker() as session:
            assert (await session.exec(select(Offer))).all() == []

    async def test_not_on_ones_own_listing_nor_where_offers_are_off(self, db: Database) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        assert await code_of(offer(db, as_seller, await listing(db, seller), 800)) == (
            "PURCHASE_OF_OWN_LISTING"
        )
        fixed = await listing(db, seller, accepts_offers=False)
        assert await code_of(offer(db, buyer, fixed, 800)) == "OFFERS_NOT_ACCEPTED"

    async def test_three_open_offers_per_listing(self, db: Database) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller, quantity=5)
        for amount in (600, 700, 800):
            await offer(db, buyer, item, amount)
        assert await code_of(offer(db, buyer, item, 900)) == "TOO_MANY_OFFERS"


class TestAnswers:
    async def test_accept_creates_the_order_at_the_offer_price(self, db: Database) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        made = await offer(db, buyer, item, 700)
        outcome = await answer(db, offers.accept_offer, as_seller, made)
        order = outcome.order
        assert (order.unit_price, order.state, order.offer_id) == (700, "AWAITING_PAYMENT", made.id)
        assert (await reload_listing(db, item)).reserved_quantity == 1
        assert await code_of(answer(db, offers.accept_offer, as_seller, made)) == (
            "OFFER_NOT_PENDING"
        )

    async def test_only_the_addressee_answers_and_only_the_maker_withdraws(
        self, db: Database
    ) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        _, stranger = await member(db)
        made = await offer(db, buyer, await listing(db, seller), 700)
        assert await code_of(answer(db, offers.accept_offer, buyer, made)) == (
            "OFFER_NOT_YOURS_TO_ANSWER"
        )
        assert await code_of(answer(db, offers.withdraw_offer, as_seller, made)) == (
            "OFFER_NOT_YOURS_TO_ANSWER"
        )
        assert await code_of(answer(db, offers.decline_offer, stranger, made)) == (
            "OFFER_NOT_FOUND"
        )
        await answer(db, offers.withdraw_offer, buyer, made)
        assert await status(db, made) == OfferStatus.WITHDRAWN
        assert await code_of(answer(db, offers.accept_offer, as_seller, made)) == (
            "OFFER_NOT_PENDING"
        )

    async def test_a_counter_replaces_the_offer_and_keeps_the_chain(self, db: Database) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        made = await offer(db, buyer, await listing(db, seller), 600)
        counter = (await answer(db, offers.counter_offer, as_seller, made, amount=900)).offer
        assert await status(db, made) == OfferStatus.COUNTERED
        assert (counter.parent_id, counter.root_id) == (made.id, made.id)
        again = (await answer(db, offers.counter_offer, buyer, counter, amount=750)).offer
        assert again.root_id == made.id
        order = (await answer(db, offers.accept_offer, as_seller, again)).order
        assert order.unit_price == 750

    async def test_a_buyer_counter_below_the_floor_is_refused(self, db: Database) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        made = await offer(db, buyer, await listing(db, seller), 600)
        counter = (await answer(db, offers.counter_offer, as_seller, made, amount=900)).offer
        assert await code_of(answer(db, offers.counter_offer, buyer, counter, amount=400)) == (
            "OFFER_BELOW_FLOOR"
        )
        assert await status(db, counter) == OfferStatus.PENDING

    async def test_an_expired_offer_cannot_be_accepted(self, db: Database) -> None:
        clock.freeze(T0)
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        made = await offer(db, buyer, await listing(db, seller), 700)
        clock.freeze(T0 + timedelta(hours=48))
        assert await code_of(answer(db, offers.accept_offer, as_seller, made)) == (
            "OFFER_NOT_PENDING"
        )

    async def test_the_expiry_timer_expires_the_offer(self, db: Database) -> None:
        clock.freeze(T0)
        seller, _ = await member(db)
        _, buyer = await member(db)
        made = await offer(db, buyer, await listing(db, seller), 700)
        clock.freeze(T0 + timedelta(hours=48, seconds=1))
        await drain(app_worker(db))
        assert await status(db, made) == OfferStatus.EXPIRED


class TestThresholds:
    async def test_auto_accept_and_auto_decline_act_at_once(self, db: Database) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller, quantity=2)
        async with db.transaction() as session:
            await offers.set_offer_rules(
                session,
                as_seller,
                listing_id=item.id,
                auto_accept_amount=900,
                auto_decline_amount=600,
            )
        low = await offer(db, buyer, item, 550)
        assert await status(db, low) == OfferStatus.DECLINED
        high = await offer(db, buyer, item, 950)
        assert await status(db, high) == OfferStatus.ACCEPTED
        async with db.sessionmaker() as session:
            orders = (await session.exec(select(Order))).all()
        assert [(o.offer_id, o.unit_price) for o in orders] == [(high.id, 950)]
        middle = await offer(db, buyer, item, 700)
        assert await status(db, middle) == OfferStatus.PENDING

    async def test_rules_are_the_sellers_and_consistent(self, db: Database) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)

        async def rules(actor: Actor, accept: int | None, decline: int | None) -> Any:
            async with db.transaction() as session:
                return await offers.set_offer_rules(
                    session,
                    actor,
                    listing_id=item.id,
                    auto_accept_amount=accept,
                    auto_decline_amount=decline,
                )

        assert await code_of(rules(buyer, 900, None)) == "LISTING_NOT_PURCHASABLE"
        assert await code_of(rules(as_seller, 500, 900)) == "INVALID_INPUT"
        assert await code_of(rules(as_seller, 0, None)) == "AMOUNT_OUT_OF_RANGE"


class TestWanted:
    async def test_the_wanter_accepts_an_answer_and_buys_from_the_answerer(
        self, db: Database
    ) -> None:
        wanter, as_wanter = await member(db)
        answerer, as_answerer = await member(db)
        wanted = await listing(db, wanter, kind=ListingKind.WANTED, price=5000)
        own = await listing(db, answerer, price=4500)
        made = await offer(db, as_answerer, wanted, 4200, offered_listing_id=own.id)
        assert (made.buyer_id, made.seller_id) == (wanter.id, answerer.id)
        assert await code_of(answer(db, offers.accept_offer, as_wanter, made)) == "INVALID_INPUT"
        order = (
            await answer(db, offers.accept_offer, as_wanter, made, handover=Handover.MEETUP)
        ).order
        assert (order.buyer_id, order.seller_id, order.unit_price) == (
            wanter.id,
            answerer.id,
            4200,
        )
        await pay(db, as_wanter, order)
        order = await act(
            db,
            as_answerer,
            order,
            "arrange_meetup",
            meetupPlace="Café",
            meetupAt=datetime.now(UTC) + timedelta(days=1),
        )
        done = await act(
            db, as_answerer, order, "confirm_handover", handoverCode=order.handover_code
        )
        assert (await reload(db, done)).state == "COMPLETED"

    async def test_answering_ones_own_wanted_listing_or_with_someone_elses_listing(
        self, db: Database
    ) -> None:
        wanter, as_wanter = await member(db)
        other, _ = await member(db)
        _, as_answerer = await member(db)
        wanted = await listing(db, wanter, kind=ListingKind.WANTED)
        assert await code_of(offer(db, as_wanter, wanted, 1000)) == "PURCHASE_OF_OWN_LISTING"
        theirs = await listing(db, other)
        assert (
            await code_of(offer(db, as_answerer, wanted, 1000, offered_listing_id=theirs.id))
            == "INVALID_INPUT"
        )


class TestStockGuard:
    async def test_a_seller_cannot_lower_the_quantity_below_what_is_reserved(
        self, db: Database
    ) -> None:
        seller, as_seller = await member(db)
        _, buyer = await member(db)
        item = await publish_through_service(db, seller)
        async with db.transaction() as session:
            await listings.update_listing(
                session,
                as_seller,
                listing_id=item.id,
                expected_version=None,
                values={"quantity": 3, "shipping_enabled": True, "shipping_fee": 100},
            )
        await buy(db, buyer, item, quantity=2)
        with pytest.raises(DomainError) as caught:
            async with db.transaction() as session:
                await listings.update_listing(
                    session,
                    as_seller,
                    listing_id=item.id,
                    expected_version=None,
                    values={"quantity": 1},
                )
        assert (caught.value.code.value, caught.value.fields) == ("INVALID_INPUT", ["quantity"])
