"""A page of a member's ratings (with raters, criteria and the reputation) and a page of orders
with their rating fields cost the same SQL statements whatever their size (DataLoaders)."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa
from strawberry.relay import to_base64

from auth_factories import bearer, member_tokens
from c2c_api.db import Database
from c2c_api.ratings.models import Criterion
from deals_support import member
from ratings_support import completed_deal, rate

DEALS = 12
RATINGS_PAGE = """query($id: ID!, $n: Int!) { node(id: $id) { ... on Member {
  reputation { overall { count bayesianAverage trend criteria { criterion average } }
    asSeller { count } asBuyer { count } }
  ratings(first: $n) { edges { node { id score comment reply revealedAt
    criteria { criterion score } rater { id displayName } rated { id displayName } } } }
} } }"""
ORDERS_PAGE = """query($n: Int!) { myOrders(role: SELLER, first: $n) { edges { node { id
  myRating { score criteria { criterion score } }
  ratingOfMe { score rater { displayName } }
  ratingStatus { canRate otherHasRated deadline } } } } }"""


async def statements_of(
    db: Database, client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> tuple[int, dict[str, Any]]:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
        )
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    body = response.json()
    assert "errors" not in body, body
    return len(seen), body["data"]


class TestPageCost:
    async def test_pages_of_ratings_and_of_rated_orders_cost_a_constant(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller = await member(db)
        for _ in range(DEALS):
            deal = await completed_deal(db, seller=seller)
            await rate(
                db,
                deal.as_buyer,
                deal.order,
                4,
                comment="Fine",
                criteria=[(Criterion.HANDOVER, 4), (Criterion.COMMUNICATION, 5)],
            )
            await rate(db, deal.as_seller, deal.order, 5, criteria=[(Criterion.PUNCTUALITY, 5)])
        tokens = await member_tokens(
            db, member=seller[0], scopes=["account:read", "orders:write", "ratings:write"]
        )
        token = tokens["access_token"]
        gid = to_base64("Member", seller[0].id)

        small, _ = await statements_of(db, client, RATINGS_PAGE, {"id": gid, "n": 2}, token)
        large, data = await statements_of(db, client, RATINGS_PAGE, {"id": gid, "n": DEALS}, token)
        assert small == large, (small, large)
        assert len(data["node"]["ratings"]["edges"]) == DEALS
        assert data["node"]["reputation"]["asSeller"]["count"] == DEALS

        small, _ = await statements_of(db, client, ORDERS_PAGE, {"n": 2}, token)
        large, data = await statements_of(db, client, ORDERS_PAGE, {"n": DEALS}, token)
        assert small == large, (small, large)
        edges = data["myOrders"]["edges"]
        assert len(edges) == DEALS
        assert all(e["node"]["ratingOfMe"]["score"] == 4 for e in edges)
        assert all(
            e["node"]["myRating"]["criteria"][0]["criterion"] == "PUNCTUALITY" for e in edges
        )
