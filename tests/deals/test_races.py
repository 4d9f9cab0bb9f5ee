"""Deals under concurrency, on PostgreSQL with real parallel connections (issue 9).

- 50 buyers of the last unit (and of ten units) make exactly as many orders as there are units;
- an accept racing a withdraw or a counter-offer leaves one outcome, whichever arrives first;
- payOrder sent several times at once, with one key or with two, charges the card once;
- two workers with one due order timer fire it once.

Each race holds its first transaction (or a lock the test takes) at the critical point until
the others are seen waiting on a lock in `pg_stat_activity`, then lets everyone go: no sleeps.
SQLite serialises writers, so these are skipped there. The conftest checks the ledger after
each test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.relay import GlobalID

from auth_factories import bearer, create_member_with_token
from c2c_api.authz import Actor
from c2c_api.db import Database
from c2c_api.errors import DomainError, ErrorCode
from c2c_api.kit.clock import clock
from c2c_api.ledger.service import balance, order_escrow
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.offers import service as offers
from c2c_api.offers.errors import OfferNotPending
from c2c_api.offers.models import Offer, OfferStatus
from c2c_api.orders import service as orders
from c2c_api.orders.errors import ListingNotPurchasable, OutOfStock
from c2c_api.orders.models import Handover, Order, OrderEvent, OrderPayment, PaymentStatus
from c2c_api.payments.fees import FeeSchedule
from c2c_api.payments.models import SandboxOperation, SandboxOperationKind
from deals_support import buy, listing, member, reload, reload_listing
from factories import member_actor
from race_support import (
    held_lock,
    outcome,
    skip_on_sqlite,
    wait_for_lock_waiters,
    wide_database,
)
from worker_support import app_worker, drain

pytestmark = pytest.mark.postgres_only

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BUYERS = 50
MEMBER = ["account:read", "listings:write", "offers:write", "orders:write", "messages:write"]


async def orders_of(db: Database, item: Listing) -> list[Order]:
    async with db.sessionmaker() as session:
        return list((await session.exec(select(Order).where(Order.listing_id == item.id))).all())


async def timeline(db: Database, order_id: uuid.UUID) -> list[str]:
    async with db.sessionmaker() as session:
        rows = await session.exec(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(col(OrderEvent.seq))
        )
        return [e.transition for e in rows]


class TestLastUnits:
    @pytest.mark.parametrize("quantity", [1, 10])
    async def test_fifty_buyers_make_as_many_orders_as_there_are_units(
        self, db: Database, quantity: int
    ) -> None:
        """The first reserver holds its transaction (the listing row locked by its reservation
        UPDATE) until the 49 others wait on that lock; then all run."""
        skip_on_sqlite(db)
        seller, _ = await member(db)
        item = await listing(db, seller, quantity=quantity)
        buyers = [(await member(db))[1] for _ in range(BUYERS)]
        reserved, release = asyncio.Event(), asyncio.Event()

        async with wide_database(db, BUYERS + 5) as race:

            async def first(buyer: Actor) -> Order:
                async with race.transaction() as session:
                    order = await orders.create_order(
                        session,
                        buyer,
                        listing_id=item.id,
                        quantity=1,
                        handover=Handover.SHIPPING,
                        fees=FeeSchedule(),
                    )
                    reserved.set()
                    await release.wait()
                return order

            async def other(buyer: Actor) -> Order | BaseException:
                await reserved.wait()
                return await outcome(buy(race, buyer, item), OutOfStock, ListingNotPurchasable)

            tasks = [asyncio.create_task(first(buyers[0]))]
            tasks += [asyncio.create_task(other(b)) for b in buyers[1:]]
            try:
                await asyncio.wait_for(reserved.wait(), timeout=20)
                await wait_for_lock_waiters(race.settings.database_url, BUYERS - 1)
            finally:
                release.set()
            results = await asyncio.gather(*tasks)

        made = [r for r in results if isinstance(r, Order)]
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(made) == quantity
        assert len(refused) == BUYERS - quantity
        assert {e.code for e in refused} <= {
            ErrorCode.OUT_OF_STOCK,
            ErrorCode.LISTING_NOT_PURCHASABLE,
        }
        assert len(await orders_of(db, item)) == quantity
        assert len({o.buyer_id for o in made}) == quantity
        stock = await reload_listing(db, item)
        assert (stock.reserved_quantity, stock.sold_quantity) == (quantity, 0)
        assert stock.status == ListingStatus.RESERVED


# An accept racing a withdraw (by the buyer who made the offer) or a counter (by the seller).
Answer = Callable[[AsyncSession], Awaitable[object]]


class OfferRace:
    """A pending offer from a buyer on a seller's listing, and the use cases that answer it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def arrange(self) -> None:
        seller, self.seller = await member(self.db)
        _, self.buyer = await member(self.db)
        self.item = await listing(self.db, seller, price=2000)
        async with self.db.transaction() as session:
            made = await offers.make_offer(
                session,
                self.buyer,
                listing_id=self.item.id,
                amount=1500,
                currency="EUR",
                handover=Handover.SHIPPING,
                fees=FeeSchedule(),
            )
        self.offer_id = made.offer.id

    def answer(self, name: str) -> Answer:
        if name == "accept":
            return lambda s: offers.accept_offer(
                s, self.seller, offer_id=self.offer_id, fees=FeeSchedule()
            )
        if name == "withdraw":
            return lambda s: offers.withdraw_offer(s, self.buyer, offer_id=self.offer_id)
        assert name == "counter"
        return lambda s: offers.counter_offer(s, self.seller, offer_id=self.offer_id, amount=1800)

    async def offers(self) -> list[Offer]:
        async with self.db.sessionmaker() as session:
            rows = await session.exec(
                select(Offer)
                .where(Offer.listing_id == self.item.id)
                .order_by(col(Offer.created_at))
            )
            return list(rows)


FINAL_STATUS = {
    "accept": OfferStatus.ACCEPTED,
    "withdraw": OfferStatus.WITHDRAWN,
    "counter": OfferStatus.COUNTERED,
}


class TestOfferAnswersRace:
    @pytest.mark.parametrize(
        ("winner", "loser"),
        [
            ("accept", "withdraw"),
            ("withdraw", "accept"),
            ("accept", "counter"),
            ("counter", "accept"),
        ],
    )
    async def test_the_first_answer_wins_and_the_other_is_refused(
        self, db: Database, winner: str, loser: str
    ) -> None:
        """The winner holds its transaction (the offer row locked, its answer written) until
        the loser waits on the lock; the loser then finds the offer no longer PENDING."""
        skip_on_sqlite(db)
        race = OfferRace(db)
        await race.arrange()
        answered, release = asyncio.Event(), asyncio.Event()

        async def first() -> object:
            async with db.transaction() as session:
                result = await race.answer(winner)(session)
                answered.set()
                await release.wait()
            return result

        async def second() -> object:
            await answered.wait()
            async with db.transaction() as session:
                return await race.answer(loser)(session)

        won = asyncio.create_task(first())
        lost = asyncio.create_task(outcome(second(), OfferNotPending))
        try:
            await asyncio.wait_for(answered.wait(), timeout=20)
            await wait_for_lock_waiters(db.settings.database_url, 1)
        finally:
            release.set()
        await won
        refused = await lost
        assert isinstance(refused, OfferNotPending)
        assert refused.code == ErrorCode.OFFER_NOT_PENDING

        rows = await race.offers()
        assert rows[0].id == race.offer_id
        assert rows[0].status == FINAL_STATUS[winner]
        made = await orders_of(db, race.item)
        stock = await reload_listing(db, race.item)
        if winner == "accept":
            assert [o.offer_id for o in made] == [race.offer_id]
            assert rows[0].order_id == made[0].id
            assert stock.reserved_quantity == 1
            assert len(rows) == 1
        else:
            assert made == []
            assert rows[0].order_id is None
            assert stock.reserved_quantity == 0
            # a counter-offer replaces the offer; a withdrawal leaves nothing pending
            pending = [r for r in rows if r.status == OfferStatus.PENDING]
            assert [r.parent_id for r in pending] == (
                [race.offer_id] if winner == "counter" else []
            )


# payOrder over HTTP GraphQL, several requests at once.
PAY = (
    'mutation($o: ID!, $k: String!) { payOrder(orderId: $o, paymentMethod: "card_success",'
    " idempotencyKey: $k) { __typename ... on PayOrderSuccess { order { id state } }"
    " ... on UserError { code } } }"
)


async def pay_request(client: httpx.AsyncClient, token: str, order_id: str, key: str) -> Any:
    """One payOrder request: its payload (never a 500, never a GraphQL error)."""
    response = await client.post(
        "/graphql",
        json={"query": PAY, "variables": {"o": order_id, "k": key}},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["payOrder"]


class PaymentRace:
    """An order awaiting payment, bought by a member with a token."""

    def __init__(self, db: Database, client: httpx.AsyncClient) -> None:
        self.db = db
        self.client = client

    async def arrange(self) -> None:
        seller, _ = await member(self.db)
        buyer, self.token = await create_member_with_token(self.db, scopes=MEMBER)
        item = await listing(self.db, seller, price=2000)
        self.order = await buy(self.db, member_actor(buyer), item)
        self.gid = str(GlobalID("Order", str(self.order.id)))

    def pay(self, key: str) -> Awaitable[Any]:
        return pay_request(self.client, self.token, self.gid, key)

    async def assert_charged_once(self) -> None:
        async with self.db.sessionmaker() as session:
            payments = list(
                await session.exec(
                    select(OrderPayment).where(OrderPayment.order_id == self.order.id)
                )
            )
            charges = list(
                await session.exec(
                    select(SandboxOperation).where(
                        SandboxOperation.kind == SandboxOperationKind.CHARGE,
                        col(SandboxOperation.id).in_([p.id for p in payments]),
                    )
                )
            )
            every_charge = (
                await session.exec(
                    select(sa.func.count()).where(
                        SandboxOperation.kind == SandboxOperationKind.CHARGE
                    )
                )
            ).one()
            escrow = await balance(session, account=order_escrow(self.order.id), currency="EUR")
        assert [p.status for p in payments] == [PaymentStatus.SUCCEEDED]
        assert len(charges) == 1 and every_charge == 1
        assert charges[0].amount == self.order.total
        assert escrow == self.order.total
        assert (await reload(self.db, self.order)).state == "PAID"
        assert (await timeline(self.db, self.order.id)).count("payment_succeeded") == 1


# Where the first request is held: inside the provider's charge (its attempt committed, no
# transaction of ours open), or before it, on the order's row lock (start_payment).
HOLD_THE_CHARGE = "LOCK TABLE sandbox_operations IN SHARE ROW EXCLUSIVE MODE"
HOLD_THE_ORDER = "SELECT id FROM orders WHERE id = :order_id FOR UPDATE"


class TestPayOrderRace:
    @pytest.mark.parametrize("requests", [2, 5])
    async def test_one_key_sent_at_once_charges_once(
        self, db: Database, client: httpx.AsyncClient, requests: int
    ) -> None:
        """The first request is held inside the provider's charge (the sandbox cannot write)
        until every other request has answered: they are told the key is in use."""
        skip_on_sqlite(db)
        race = PaymentRace(db, client)
        await race.arrange()
        key = str(uuid.uuid4())
        async with held_lock(db, HOLD_THE_CHARGE):
            tasks = [asyncio.create_task(race.pay(key)) for _ in range(requests)]
            await wait_for_lock_waiters(
                db.settings.database_url,
                1,
                also=lambda: sum(t.done() for t in tasks) == requests - 1,
            )
            answered = [t.result() for t in tasks if t.done()]
            assert answered == [{"__typename": "UserError", "code": "IDEMPOTENCY_KEY_IN_USE"}] * (
                requests - 1
            )
        results = await asyncio.gather(*tasks)
        paid = [r for r in results if r["__typename"] == "PayOrderSuccess"]
        assert len(paid) == 1 and paid[0]["order"]["state"] == "PAID"
        # a retry with the key replays the success without charging again
        assert (await race.pay(key))["order"] == paid[0]["order"]
        await race.assert_charged_once()

    @pytest.mark.parametrize(
        "hold", [HOLD_THE_CHARGE, HOLD_THE_ORDER], ids=["in-the-charge", "at-the-order-lock"]
    )
    async def test_two_keys_at_once_charge_once(
        self, db: Database, client: httpx.AsyncClient, hold: str
    ) -> None:
        """Two payOrder requests with different keys, held together at the order's lock or in
        the provider: one attempt, one charge; each answers the payment or ORDER_NOT_PAYABLE."""
        skip_on_sqlite(db)
        race = PaymentRace(db, client)
        await race.arrange()
        async with held_lock(db, hold, order_id=race.order.id):
            tasks = [asyncio.create_task(race.pay(str(uuid.uuid4()))) for _ in range(2)]
            await wait_for_lock_waiters(db.settings.database_url, 2)
            assert not any(t.done() for t in tasks)
        results = await asyncio.gather(*tasks)
        for result in results:
            assert result in (
                {"__typename": "PayOrderSuccess", "order": {"id": race.gid, "state": "PAID"}},
                {"__typename": "UserError", "code": "ORDER_NOT_PAYABLE"},
            )
        assert {"__typename": "PayOrderSuccess", "order": {"id": race.gid, "state": "PAID"}} in (
            results
        )
        await race.assert_charged_once()


class TestTimerRace:
    async def test_two_workers_fire_a_due_payment_deadline_once(self, db: Database) -> None:
        """The order's row is held by the test: the worker that claimed the deadline's event
        waits on it inside its transaction while the other worker's round ends; then both
        drain. The order is cancelled once and its unit released once."""
        skip_on_sqlite(db)
        clock.freeze(T0)
        seller, _ = await member(db)
        _, buyer = await member(db)
        item = await listing(db, seller)
        order = await buy(db, buyer, item)
        clock.freeze(T0 + timedelta(minutes=31))
        workers = [app_worker(db), app_worker(db)]
        async with held_lock(db, HOLD_THE_ORDER, order_id=order.id):
            rounds = [asyncio.create_task(w.run_once()) for w in workers]
            await wait_for_lock_waiters(
                db.settings.database_url, 1, also=lambda: sum(r.done() for r in rounds) == 1
            )
        await asyncio.gather(*rounds)
        await asyncio.gather(*(drain(w) for w in workers))
        assert (await reload(db, order)).state == "CANCELLED"
        assert await timeline(db, order.id) == ["created", "payment_deadline_passed"]
        stock = await reload_listing(db, item)
        assert (stock.reserved_quantity, stock.status) == (0, ListingStatus.PUBLISHED)

    async def test_two_workers_draining_at_once_cancel_each_order_once(self, db: Database) -> None:
        """Ten orders past their deadline, two workers draining together with nothing held."""
        skip_on_sqlite(db)
        clock.freeze(T0)
        seller, _ = await member(db)
        item = await listing(db, seller, quantity=10)
        bought = [await buy(db, (await member(db))[1], item) for _ in range(10)]
        clock.freeze(T0 + timedelta(minutes=31))
        workers = [app_worker(db), app_worker(db)]
        await asyncio.gather(*(drain(w) for w in workers))
        for order in bought:
            assert (await reload(db, order)).state == "CANCELLED"
            assert await timeline(db, order.id) == ["created", "payment_deadline_passed"]
        stock = await reload_listing(db, item)
        assert (stock.reserved_quantity, stock.status) == (0, ListingStatus.PUBLISHED)


# buyNow over HTTP GraphQL: one key sent twice at once (a client retrying while the first is
# still running). The claim lives in the order's own transaction: the second waits for it.
BUY = (
    "mutation($l: ID!, $k: String!) { buyNow(listingId: $l, handover: SHIPPING,"
    " idempotencyKey: $k) { __typename ... on BuyNowSuccess { order { id } }"
    " ... on UserError { code } } }"
)
HOLD_THE_LISTING = "SELECT id FROM listings WHERE id = :listing_id FOR UPDATE"
# Held the same way, and committed: every unit is then taken (by no order of this test).
SELL_OUT_THE_LISTING = (
    "UPDATE listings SET reserved_quantity = quantity WHERE id = :listing_id RETURNING id"
)


class TestBuyNowOneKeyRace:
    async def arrange(self, db: Database) -> tuple[Listing, str]:
        seller, _ = await member(db)
        _, token = await create_member_with_token(db, scopes=MEMBER)
        return await listing(db, seller, quantity=3), token

    async def race(
        self, db: Database, client: httpx.AsyncClient, item: Listing, token: str, hold: str
    ) -> list[Any]:
        """Two buyNow with one key at once; the first held at the stock reservation (the test's
        transaction holds the listing's row, `hold`, then commits) until the second is seen
        waiting too (on the key's row)."""
        gid = str(GlobalID("SaleListing", str(item.id)))
        variables = {"l": gid, "k": str(uuid.uuid4())}

        async def buy_now() -> Any:
            response = await client.post(
                "/graphql", json={"query": BUY, "variables": variables}, headers=bearer(token)
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert "errors" not in body, body
            return body["data"]["buyNow"]

        holder = create_async_engine(db.settings.database_url, poolclass=NullPool)
        try:
            async with holder.begin() as conn:
                await conn.execute(sa.text(hold), {"listing_id": item.id})
                tasks = [asyncio.create_task(buy_now()) for _ in range(2)]
                await wait_for_lock_waiters(db.settings.database_url, 2)
                assert not any(t.done() for t in tasks)
        finally:
            await holder.dispose()
        return list(await asyncio.gather(*tasks))

    async def test_one_order_and_both_get_its_answer(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        skip_on_sqlite(db)
        item, token = await self.arrange(db)
        first, second = await self.race(db, client, item, token, HOLD_THE_LISTING)
        assert first["__typename"] == "BuyNowSuccess"
        assert second == first  # the same order, not IDEMPOTENCY_KEY_IN_USE
        made = await orders_of(db, item)
        assert [str(GlobalID("Order", str(o.id))) for o in made] == [first["order"]["id"]]
        assert (await reload_listing(db, item)).reserved_quantity == 1

    async def test_a_refusal_is_both_answers_and_leaves_nothing(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        """The listing sells out while the first waits for it: the first is refused once it
        gets the row, its writes rolled back to just after the key's claim, the refusal stored
        and committed with the claim; the second replays that refusal."""
        skip_on_sqlite(db)
        item, token = await self.arrange(db)
        answers = await self.race(db, client, item, token, SELL_OUT_THE_LISTING)
        assert answers == [{"__typename": "UserError", "code": "OUT_OF_STOCK"}] * 2
        assert await orders_of(db, item) == []
        assert (await reload_listing(db, item)).reserved_quantity == item.quantity
