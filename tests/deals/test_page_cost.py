"""A page of the viewer's orders or offers costs the same SQL statements whatever its size
(listings, members, timelines and deadlines through request-scoped loaders); the purchase
quote shows the breakdown buyNow fixes."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from c2c_api.orders.models import Handover
from deals_support import buy, listing, pay
from engagement_support import listing_gid
from factories import member_actor

MEMBER = ["account:read", "listings:write", "offers:write", "orders:write"]
PAGE = """query($n: Int!) { myOrders(role: BUYER, first: $n) { edges { node {
  id state availableTransitions { name } priceBreakdown { total { amount } }
  listing { id title } buyer { id displayName } seller { id displayName }
  timeline { transition actor { id } } deadlines { action dueAt } } } } }"""


async def statements_of(db: Database, client: httpx.AsyncClient, token: str, n: int) -> int:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        response = await client.post(
            "/graphql", json={"query": PAGE, "variables": {"n": n}}, headers=bearer(token)
        )
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    body = response.json()
    assert "errors" not in body, body
    assert len(body["data"]["myOrders"]["edges"]) == n
    return len(seen)


class TestPageCost:
    async def test_a_page_of_20_orders_costs_what_a_page_of_2_does(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        buyer, token = await create_member_with_token(db, scopes=MEMBER)
        for i in range(20):
            seller, _ = await create_member_with_token(db, scopes=MEMBER)
            order = await buy(db, member_actor(buyer), await listing(db, seller))
            if i % 2:
                await pay(db, member_actor(buyer), order)
        small = await statements_of(db, client, token, 2)
        large = await statements_of(db, client, token, 20)
        assert small == large, (small, large)


class TestQuote:
    async def test_the_quote_is_the_breakdown_buy_now_fixes(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, _ = await create_member_with_token(db, scopes=MEMBER)
        buyer, _ = await create_member_with_token(db, scopes=MEMBER)
        item = await listing(db, seller, price=2500, quantity=3)
        response = await client.post(
            "/graphql",
            json={
                "query": "query($l: ID!) { purchaseQuote(listingId: $l, handover: SHIPPING,"
                " quantity: 2) { total { amount } buyerProtection { amount } sellerNet"
                " { amount } } }",
                "variables": {"l": listing_gid(item)},
            },
        )
        quote = response.json()["data"]["purchaseQuote"]
        order = await buy(db, member_actor(buyer), item, quantity=2, handover=Handover.SHIPPING)
        assert quote == {
            "total": {"amount": order.total},
            "buyerProtection": {"amount": order.buyer_protection},
            "sellerNet": {"amount": order.seller_net},
        }
