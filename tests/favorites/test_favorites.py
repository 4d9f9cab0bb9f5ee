"""Favorites (watchlist): idempotent add/remove, visibility, counts through the Listing type."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlmodel import func, select

from auth_factories import bearer, create_member, create_member_with_token
from c2c_api.authz import Actor, ActorKind
from c2c_api.db import Database
from c2c_api.favorites.models import Favorite
from c2c_api.favorites.service import add_favorite
from c2c_api.listings.models import ListingStatus
from c2c_api.users.models import Member
from engagement_support import create_listing, gid, publish_through_service

ADD = (
    "mutation($id: ID!) { addFavorite(listingId: $id) { __typename "
    "... on AddFavoriteSuccess { favoriteCount listing { id viewerHasFavorited } } "
    "... on UserError { code fields } } }"
)
REMOVE = (
    "mutation($id: ID!) { removeFavorite(listingId: $id) { __typename "
    "... on RemoveFavoriteSuccess { favoriteCount } ... on UserError { code } } }"
)
MINE = (
    "query($after: String) { myFavorites(first: 2, after: $after) { "
    "edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"
)
COUNTS = "query($id: ID!) { node(id: $id) { ... on Listing { favoriteCount viewerHasFavorited } } }"


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=bearer(token) if token else {},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def favorite_rows(db: Database) -> int:
    async with db.sessionmaker() as session:
        return int((await session.exec(select(func.count()).select_from(Favorite))).one())


def actor_of(member: Member) -> Actor:
    return Actor(kind=ActorKind.MEMBER, member_id=member.id, scopes=frozenset({"account:write"}))


class TestAddFavorite:
    async def test_adding_twice_keeps_one_row(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller = await create_member(db)
        listing = await create_listing(db, seller)
        _, token = await create_member_with_token(db, scopes=["account:write", "account:read"])
        first = await gql(client, ADD, {"id": gid(listing)}, token)
        again = await gql(client, ADD, {"id": gid(listing)}, token)
        assert first["addFavorite"]["favoriteCount"] == 1
        assert again["addFavorite"]["favoriteCount"] == 1
        assert again["addFavorite"]["listing"]["viewerHasFavorited"] is True
        assert await favorite_rows(db) == 1

    async def test_concurrent_adds_make_one_row(self, db: Database) -> None:
        seller, fan = await create_member(db), await create_member(db)
        listing = await create_listing(db, seller)

        async def add() -> None:
            async with db.transaction() as session:
                await add_favorite(session, actor_of(fan), listing_id=listing.id)

        await asyncio.gather(*(add() for _ in range(6)))
        assert await favorite_rows(db) == 1

    @pytest.mark.parametrize("status", [ListingStatus.DRAFT, ListingStatus.REMOVED])
    async def test_refuses_listings_the_caller_cannot_see(
        self, db: Database, client: httpx.AsyncClient, status: ListingStatus
    ) -> None:
        seller = await create_member(db)
        listing = await create_listing(db, seller, status=status)
        _, token = await create_member_with_token(db, scopes=["account:write"])
        data = await gql(client, ADD, {"id": gid(listing)}, token)
        assert data["addFavorite"] == {
            "__typename": "UserError",
            "code": "NOT_FOUND",
            "fields": ["listingId"],
        }
        assert await favorite_rows(db) == 0

    async def test_a_malformed_id_is_invalid_id(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:write"])
        data = await gql(client, ADD, {"id": "U2FsZUxpc3Rpbmc6bm9wZQ=="}, token)
        assert data["addFavorite"]["code"] == "INVALID_ID"


class TestRemoveFavorite:
    async def test_removes_and_is_idempotent(self, db: Database, client: httpx.AsyncClient) -> None:
        seller = await create_member(db)
        listing = await create_listing(db, seller)
        _, token = await create_member_with_token(db, scopes=["account:write"])
        await gql(client, ADD, {"id": gid(listing)}, token)
        for _ in range(2):
            data = await gql(client, REMOVE, {"id": gid(listing)}, token)
            assert data["removeFavorite"] == {
                "__typename": "RemoveFavoriteSuccess",
                "favoriteCount": 0,
            }
        assert await favorite_rows(db) == 0


class TestMyFavorites:
    async def test_pages_newest_first_and_hides_listings_taken_down(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller = await create_member(db)
        listings = [await create_listing(db, seller, title=f"L{i}") for i in range(3)]
        _, token = await create_member_with_token(db, scopes=["account:write", "account:read"])
        for listing in listings:
            await gql(client, ADD, {"id": gid(listing)}, token)
        page = (await gql(client, MINE, {}, token))["myFavorites"]
        assert [e["node"]["id"] for e in page["edges"]] == [gid(listings[2]), gid(listings[1])]
        assert page["pageInfo"]["hasNextPage"] is True
        rest = (await gql(client, MINE, {"after": page["pageInfo"]["endCursor"]}, token))[
            "myFavorites"
        ]
        assert [e["node"]["id"] for e in rest["edges"]] == [gid(listings[0])]
        assert rest["pageInfo"]["hasNextPage"] is False
        # Taken down by moderation: no longer listed.
        async with db.transaction() as session:
            row = await session.get(type(listings[1]), listings[1].id)
            assert row is not None
            row.status = ListingStatus.REMOVED
        page = (await gql(client, MINE, {}, token))["myFavorites"]
        assert [e["node"]["id"] for e in page["edges"]] == [gid(listings[2]), gid(listings[0])]


class TestCountsThroughTheListingInterface:
    async def test_counts_and_viewer_flag(self, db: Database, client: httpx.AsyncClient) -> None:
        seller = await create_member(db)
        listing = await publish_through_service(db, seller)
        _, fan = await create_member_with_token(db, scopes=["account:write", "account:read"])
        _, other = await create_member_with_token(db, scopes=["account:write", "account:read"])
        await gql(client, ADD, {"id": gid(listing)}, fan)
        await gql(client, ADD, {"id": gid(listing)}, other)
        as_fan = (await gql(client, COUNTS, {"id": gid(listing)}, fan))["node"]
        assert as_fan == {"favoriteCount": 2, "viewerHasFavorited": True}
        anonymous = (await gql(client, COUNTS, {"id": gid(listing)}))["node"]
        assert anonymous == {"favoriteCount": 2, "viewerHasFavorited": None}
        _, seller_token = await create_member_with_token(db, scopes=["account:read"])
        stranger = (await gql(client, COUNTS, {"id": gid(listing)}, seller_token))["node"]
        assert stranger == {"favoriteCount": 2, "viewerHasFavorited": False}
