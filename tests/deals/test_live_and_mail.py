"""A buyer watches an order over graphql-transport-ws while the seller acts; offers reach the
seller live; the counterpart of each step gets an e-mail (outbox -> worker -> mail)."""

from __future__ import annotations

import asyncio

from sqlmodel import select
from starlette.applications import Starlette
from strawberry.relay import to_base64

from auth_factories import create_member_with_token
from c2c_api.db import Database
from c2c_api.offers import service as offers
from c2c_api.orders.models import Handover
from c2c_api.users.models import MailMessage
from deals_support import act, buy, listing, pay
from factories import member_actor
from subscriptions.ws_support import init, receive, subscribe, ws_client
from worker_support import app_worker, drain, relay

MEMBER = ["account:read", "listings:write", "offers:write", "orders:write"]
WATCH = "subscription($id: ID) { orderUpdated(id: $id) { id state version } }"
OFFERS = "subscription { offerReceived { id status amount { amount } } }"


class TestLive:
    async def test_the_buyer_hears_each_step_the_seller_takes(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        seller, _ = await create_member_with_token(db, scopes=MEMBER)
        buyer, buyer_token = await create_member_with_token(db, scopes=MEMBER)
        order = await buy(db, member_actor(buyer), await listing(db, seller))
        await pay(db, member_actor(buyer), order)
        await relay(db, app)  # what happened before anyone listened
        gid = to_base64("Order", order.id)
        async with ws_client(url) as ws:
            assert (await init(ws, buyer_token))["type"] == "connection_ack"
            await subscribe(ws, WATCH, id=gid)
            await asyncio.sleep(0.2)  # the subscription reaches the broker
            await act(db, member_actor(seller), order, "ship", carrier="DHL", trackingNumber="J1")
            await relay(db, app)
            message = await receive(ws)
        assert message["type"] == "next", message
        assert message["payload"]["data"]["orderUpdated"] == {
            "id": gid,
            "state": "SHIPPED",
            "version": 3,
        }

    async def test_a_stranger_cannot_watch_an_order(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        _, url = live
        seller, _ = await create_member_with_token(db, scopes=MEMBER)
        buyer, _ = await create_member_with_token(db, scopes=MEMBER)
        _, stranger_token = await create_member_with_token(db, scopes=MEMBER)
        order = await buy(db, member_actor(buyer), await listing(db, seller))
        async with ws_client(url) as ws:
            await init(ws, stranger_token)
            await subscribe(ws, WATCH, id=to_base64("Order", order.id))
            message = await receive(ws)
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "ORDER_NOT_FOUND"

    async def test_the_seller_hears_an_offer(
        self, db: Database, live: tuple[Starlette, str]
    ) -> None:
        app, url = live
        seller, seller_token = await create_member_with_token(db, scopes=MEMBER)
        buyer, _ = await create_member_with_token(db, scopes=MEMBER)
        item = await listing(db, seller)
        async with ws_client(url) as ws:
            await init(ws, seller_token)
            await subscribe(ws, OFFERS)
            await asyncio.sleep(0.2)
            async with db.transaction() as session:
                await offers.make_offer(
                    session,
                    member_actor(buyer),
                    listing_id=item.id,
                    amount=900,
                    currency="EUR",
                    handover=Handover.SHIPPING,
                )
            await relay(db, app)
            message = await receive(ws)
        assert message["payload"]["data"]["offerReceived"]["amount"] == {"amount": 900}


class TestMail:
    async def test_the_counterpart_of_each_step_gets_an_email_in_their_language(
        self, db: Database
    ) -> None:
        seller, _ = await create_member_with_token(db, scopes=MEMBER)
        async with db.transaction() as session:
            row = await session.get(type(seller), seller.id)
            assert row is not None
            row.locale = "fr"
        buyer, _ = await create_member_with_token(db, scopes=MEMBER)
        order = await buy(db, member_actor(buyer), await listing(db, seller))
        await drain(app_worker(db))
        async with db.sessionmaker() as session:
            mails = (await session.exec(select(MailMessage))).all()
        to_seller = [m for m in mails if m.to_address == seller.email]
        assert [m.subject for m in to_seller] == [
            "Votre commande a changé : En attente de paiement"
        ]
        assert not [m for m in mails if m.to_address == buyer.email]  # the buyer acted
        assert order.state == "AWAITING_PAYMENT"
