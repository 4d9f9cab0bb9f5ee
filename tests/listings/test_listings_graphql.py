"""Listings of every kind through GraphQL over HTTP with real tokens."""

from __future__ import annotations

import json

import httpx
import pytest
from listings_support import (
    CREATE,
    EXACT_LAT,
    EXACT_LNG,
    KINDS,
    NODE,
    UPDATE,
    count_rows,
    gql,
    lifecycle,
    seed_categories,
    valid_input,
)

from auth_factories import create_member_with_token
from c2c_api.db import Database

WRITE = ["listings:write"]


@pytest.fixture
async def seller(db: Database) -> str:
    await seed_categories(db)
    _, token = await create_member_with_token(db, scopes=WRITE)
    return token


class TestEveryKind:
    @pytest.mark.parametrize("kind", KINDS)
    async def test_created_published_and_found_by_node(
        self, client: httpx.AsyncClient, seller: str, kind: str
    ) -> None:
        created = (await gql(client, CREATE, {"i": valid_input(kind)}, token=seller))[
            "createListing"
        ]
        assert created["__typename"] == "ListingSuccess", created
        listing = created["listing"]
        assert listing["kind"] == kind
        assert listing["status"] == "DRAFT"
        assert listing["__typename"].upper().replace("LISTING", "") == kind.replace("_", "")

        published = (
            await gql(client, lifecycle("publishListing"), {"id": listing["id"]}, token=seller)
        )["publishListing"]
        assert published["__typename"] == "ListingSuccess", published
        assert published["listing"]["status"] == "PUBLISHED"
        assert published["listing"]["version"] == 2

        # An anonymous visitor finds it by id.
        found = (await gql(client, NODE, {"id": listing["id"]}))["node"]
        assert found["id"] == listing["id"]
        assert found["status"] == "PUBLISHED"
        assert found["category"]["slug"] == valid_input(kind)["category"]
        assert found["location"]["approximatePosition"] is not None
        if kind == "AUCTION":
            assert found["reservePrice"] is None  # secret for others
            assert found["hasReserve"] is True
            assert found["startPrice"]["amount"] == 1000
        if kind == "SWAP":
            assert found["displayPrice"] is None
        if kind == "RENTAL":
            assert found["displayPrice"]["amount"] == 1500


class TestExactPositionNeverShown:
    async def test_no_response_contains_the_exact_coordinates(
        self, client: httpx.AsyncClient, seller: str
    ) -> None:
        texts = []
        created = (await gql(client, CREATE, {"i": valid_input("SALE")}, token=seller))[
            "createListing"
        ]
        texts.append(json.dumps(created))
        gid = created["listing"]["id"]
        await gql(client, lifecycle("publishListing"), {"id": gid}, token=seller)
        history = await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Listing { history { snapshot } } } }",
            {"id": gid},
            token=seller,
        )
        texts.append(json.dumps(history))
        texts.append(json.dumps(await gql(client, NODE, {"id": gid})))
        for text in texts:
            assert str(EXACT_LAT) not in text and "48.8566" not in text
            assert str(EXACT_LNG) not in text and "2.3522" not in text
        point = created["listing"]["location"]["approximatePosition"]
        assert abs(point["latitude"] - EXACT_LAT) < 0.01
        assert abs(point["longitude"] - EXACT_LNG) < 0.02


class TestUpdate:
    async def test_partial_update_bumps_the_version_and_keeps_the_rest(
        self, client: httpx.AsyncClient, seller: str
    ) -> None:
        created = (await gql(client, CREATE, {"i": valid_input("SALE")}, token=seller))[
            "createListing"
        ]["listing"]
        result = (
            await gql(
                client,
                UPDATE,
                {"id": created["id"], "v": 1, "i": {"title": "New title", "sale": {"price": 1999}}},
                token=seller,
            )
        )["updateListing"]
        assert result["__typename"] == "ListingSuccess", result
        assert result["listing"]["title"] == "New title"
        assert result["listing"]["price"]["amount"] == 1999
        assert result["listing"]["acceptsOffers"] is True
        assert result["listing"]["version"] == 2

    async def test_a_stale_version_is_a_conflict(
        self, client: httpx.AsyncClient, db: Database, seller: str
    ) -> None:
        created = (await gql(client, CREATE, {"i": valid_input("SALE")}, token=seller))[
            "createListing"
        ]["listing"]
        vars_ = {"id": created["id"], "v": 1, "i": {"title": "First"}}
        assert (await gql(client, UPDATE, vars_, token=seller))["updateListing"][
            "__typename"
        ] == "ListingSuccess"
        vars_["i"] = {"title": "Second"}
        stale = (await gql(client, UPDATE, vars_, token=seller))["updateListing"]
        assert stale["code"] == "VERSION_CONFLICT"
        assert stale["fields"] == ["expectedVersion"]
        assert await count_rows(db, "listing_revisions") == 2

    async def test_clearing_the_location_with_null(
        self, client: httpx.AsyncClient, seller: str
    ) -> None:
        created = (await gql(client, CREATE, {"i": valid_input("SALE")}, token=seller))[
            "createListing"
        ]["listing"]
        result = (
            await gql(
                client, UPDATE, {"id": created["id"], "v": 1, "i": {"location": None}}, token=seller
            )
        )["updateListing"]
        assert result["listing"]["location"] == {
            "city": None,
            "country": None,
            "approximatePosition": None,
        }


class TestHistory:
    async def test_every_change_is_a_revision(self, client: httpx.AsyncClient, seller: str) -> None:
        gid = (await gql(client, CREATE, {"i": valid_input("SALE")}, token=seller))[
            "createListing"
        ]["listing"]["id"]
        await gql(client, UPDATE, {"id": gid, "v": 1, "i": {"title": "Renamed"}}, token=seller)
        await gql(client, lifecycle("publishListing"), {"id": gid}, token=seller)
        await gql(client, lifecycle("pauseListing"), {"id": gid}, token=seller)
        query = (
            "query($id: ID!) { node(id: $id) { ... on Listing { history"
            " { version action changedFields actorMemberId } } } }"
        )
        history = (await gql(client, query, {"id": gid}, token=seller))["node"]["history"]
        assert [h["action"] for h in history] == ["paused", "published", "updated", "created"]
        assert [h["version"] for h in history] == [4, 3, 2, 1]
        assert history[2]["changedFields"] == ["title"]
        assert all(h["actorMemberId"] for h in history)
        # A paused listing is hidden from others; once resumed they see it, not its history.
        assert (await gql(client, query, {"id": gid}))["node"] is None
        await gql(client, lifecycle("resumeListing"), {"id": gid}, token=seller)
        assert (await gql(client, query, {"id": gid}))["node"]["history"] is None


class TestMyListings:
    async def test_newest_first_with_cursors(self, client: httpx.AsyncClient, seller: str) -> None:
        for n in range(3):
            data = valid_input("SALE")
            data["title"] = f"Item {n}"
            await gql(client, CREATE, {"i": data}, token=seller)
        query = (
            "query($after: String) { myListings(first: 2, after: $after) {"
            " edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }"
        )
        first = (await gql(client, query, {}, token=seller))["myListings"]
        assert first["pageInfo"]["hasNextPage"] is True
        second = (
            await gql(client, query, {"after": first["pageInfo"]["endCursor"]}, token=seller)
        )["myListings"]
        titles = [e["node"]["title"] for e in first["edges"] + second["edges"]]
        assert sorted(titles) == ["Item 0", "Item 1", "Item 2"]
        assert second["pageInfo"]["hasNextPage"] is False
