"""The listing card is cheap to resolve (docs/performance.md) and reads the same on every path.

A search page resolves ~580 fields; column copies are plain attributes (no resolver call) and
`category` is synchronous once the request's category tree is loaded. These tests keep that
shape and check that a card reads the same through a search (tree preloaded) and through
`node` (tree loaded by the field itself).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.categories.graphql import CategoryType
from c2c_api.categories.models import Category
from c2c_api.categories.service import invalidate_cache, row_from_node
from c2c_api.categories.taxonomy import default_nodes
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.listings.graphql import LISTING_TYPES, ListingInterface
from c2c_api.listings.models import Listing
from factories import create_member

PLAIN_LISTING_FIELDS = {
    "kind",
    "visibility",
    "title",
    "description",
    "condition",
    "quantity",
    "currency",
    "display_price",
    "ends_at",
    "location",
    "version",
    "created_at",
    "updated_at",
    "published_at",
    "closed_at",
    "expires_at",
}

CARD = """
  __typename id kind status title condition
  displayPrice { amount currency formatted }
  category { slug name }
  location { city country approximatePosition { latitude longitude } }
  publishedAt endsAt expiresAt version
  seller { id displayName }
  photos { thumbUrl }
  favoriteCount
"""
SEARCH = "query { listings(first: 5) { edges { node {" + CARD + "} } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on Listing {" + CARD + "} } }"


async def seed_categories(session: AsyncSession) -> None:
    rows = [row_from_node(n).model_dump() for n in default_nodes()]
    await session.exec(sa.insert(Category), params=rows)
    invalidate_cache()


async def create_listing(
    session: AsyncSession, seller_id: Any, title: str, category_slug: str = "city-bikes"
) -> None:
    """A published sale in EUR, with a public position."""
    now = utcnow()
    session.add(
        Listing(
            kind="SALE",
            status="PUBLISHED",
            seller_id=seller_id,
            title=title,
            description="",
            category_slug=category_slug,
            condition="GOOD",
            currency="EUR",
            price=12000,
            sort_price=12000,
            city="Lyon",
            country="FR",
            public_latitude=45.76,
            public_longitude=4.83,
            published_at=now - timedelta(days=1),
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()


def _fields(cls: type[Any]) -> dict[str, Any]:
    return {f.python_name: f for f in cls.__strawberry_definition__.fields}


class TestCardFieldsArePlain:
    def test_listing_column_fields_have_no_resolver(self) -> None:
        for cls in (ListingInterface, *LISTING_TYPES.values()):
            fields = _fields(cls)
            for name in PLAIN_LISTING_FIELDS:
                assert fields[name].base_resolver is None, f"{cls.__name__}.{name}"

    def test_category_name_has_no_resolver(self) -> None:
        assert _fields(CategoryType)["name"].base_resolver is None


async def _post(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


class TestCardReadsTheSameEverywhere:
    async def test_search_page_and_node_give_the_same_card(self, db: Database, client) -> None:
        async with db.transaction() as session:
            await seed_categories(session)
            seller = await create_member(session)
            await create_listing(session, seller.id, title="Vélo de ville")
            await create_listing(session, seller.id, title="Lampe", category_slug="decoration")

        page = await _post(client, SEARCH)
        cards = [edge["node"] for edge in page["listings"]["edges"]]
        assert {c["title"] for c in cards} == {"Vélo de ville", "Lampe"}
        for card in cards:
            assert card["category"]["name"]
            assert card["displayPrice"]["formatted"] == "120.00 EUR"
            assert card["location"]["approximatePosition"] == {"latitude": 45.76, "longitude": 4.83}
            node = await _post(client, NODE, id=card["id"])
            assert node["node"] == card

    async def test_category_name_follows_accept_language(self, db: Database, client) -> None:
        async with db.transaction() as session:
            await seed_categories(session)
            seller = await create_member(session)
            await create_listing(session, seller.id, title="Lampe", category_slug="decoration")

        names = {}
        for language in ("en", "fr"):
            response = await client.post(
                "/graphql", json={"query": SEARCH}, headers={"accept-language": language}
            )
            edges = response.json()["data"]["listings"]["edges"]
            names[language] = edges[0]["node"]["category"]["name"]
        assert names["en"] != names["fr"]
