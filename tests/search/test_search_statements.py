"""A page of 50 listings costs the same number of SQL statements as a page of 5."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa
from search_support import create_listing, seed_categories

from c2c_api.db import Database
from c2c_api.favorites.models import Favorite
from c2c_api.photos import RENDITION_SIZES
from c2c_api.photos.models import Photo
from factories import create_member

PAGE = """
query($first: Int!) {
  listings(first: $first) {
    edges { node {
      id title
      seller { id displayName }
      category { slug name }
      photos { id thumbUrl }
      favoriteCount
      viewerHasFavorited
    } }
    pageInfo { hasNextPage }
  }
}
"""


async def arrange(db: Database) -> None:
    async with db.transaction() as session:
        await seed_categories(session)
        sellers = [await create_member(session) for _ in range(3)]
        fans = [await create_member(session) for _ in range(2)]
        slugs = ["city-bikes", "smartphones", "decoration", "road-bikes"]
        for i in range(60):
            listing = await create_listing(
                session, sellers[i % 3].id, title=f"item {i}", category_slug=slugs[i % 4]
            )
            for position in range(2):
                session.add(
                    Photo(
                        owner_id=listing.seller_id,
                        listing_id=listing.id,
                        position=position,
                        width=10,
                        height=10,
                        byte_size=1,
                        sha256="0" * 64,
                        renditions={name: f"k/{listing.id}/{name}" for name, _ in RENDITION_SIZES},
                    )
                )
            for fan in fans[: i % 3]:
                session.add(Favorite(member_id=fan.id, listing_id=listing.id))
        await session.flush()


async def statements(db: Database, client: httpx.AsyncClient, first: int) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        response = await client.post(
            "/graphql", json={"query": PAGE, "variables": {"first": first}}
        )
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    body = response.json()
    assert "errors" not in body, body
    edges = body["data"]["listings"]["edges"]
    assert len(edges) == first
    assert all(len(e["node"]["photos"]) == 2 and e["node"]["seller"] for e in edges)
    assert all(e["node"]["category"]["slug"] for e in edges)
    return seen


class TestConstantCostPerPage:
    async def test_fifty_cost_the_same_as_five(self, db, client) -> None:
        await arrange(db)
        await statements(db, client, 5)  # warm the process caches (category tree)
        five = await statements(db, client, 5)
        fifty = await statements(db, client, 50)
        print(f"statements: page of 5 -> {len(five)}, page of 50 -> {len(fifty)}")
        assert len(fifty) == len(five), "\n".join(fifty)
        # the page, plus one batched statement per relation (and the transaction plumbing)
        assert len(five) <= 10, "\n".join(five)
