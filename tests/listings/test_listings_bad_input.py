"""Bad input: a typed error naming the fields, and nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from listings_support import (
    CREATE,
    UPDATE,
    count_rows,
    gql,
    lifecycle,
    seed_categories,
    valid_input,
)

from auth_factories import create_member_with_token
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow


@pytest.fixture
async def seller(db: Database) -> str:
    await seed_categories(db)
    _, token = await create_member_with_token(db, scopes=["listings:write"])
    return token


def _with(kind: str, **changes: Any) -> dict[str, Any]:
    data = valid_input(kind)
    for path, value in changes.items():
        target = data
        *parents, leaf = path.split("__")
        for p in parents:
            target = target[p]
        target[leaf] = value
    return data


def _later(days: float) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


CASES = [
    ("negative price", _with("SALE", sale__price=-1), "LISTING_INVALID_PRICE", ["sale.price"]),
    ("zero price", _with("SALE", sale__price=0), "LISTING_INVALID_PRICE", ["sale.price"]),
    ("absurd price", _with("SALE", sale__price=10**9 + 1), "LISTING_INVALID_PRICE", ["sale.price"]),
    ("unknown currency", _with("SALE", currency="XXX"), "CURRENCY_UNSUPPORTED", ["currency"]),
    (
        "reserve below start",
        _with("AUCTION", auction__reservePrice=500),
        "LISTING_INVALID_PRICE",
        ["auction.reservePrice"],
    ),
    (
        "buy-now not above start",
        _with("AUCTION", auction__buyNowPrice=1000, auction__reservePrice=None),
        "LISTING_INVALID_PRICE",
        ["auction.buyNowPrice"],
    ),
    (
        "negative deposit",
        _with("RENTAL", rental__deposit=-5),
        "LISTING_INVALID_PRICE",
        ["rental.deposit"],
    ),
    (
        "min days above max",
        _with("RENTAL", rental__minDays=10, rental__maxDays=3),
        "INVALID_INPUT",
        ["rental.minDays"],
    ),
    (
        "auction end in the past",
        _with("AUCTION", auction__endsAt=_later(-1)),
        "END_TIME_IN_PAST",
        ["auction.endsAt"],
    ),
    (
        "auction end too far",
        _with("AUCTION", auction__endsAt=_later(31)),
        "END_TIME_TOO_FAR",
        ["auction.endsAt"],
    ),
    (
        "group buy deadline past",
        _with("GROUP_BUY", groupBuy__endsAt=_later(-0.01)),
        "END_TIME_IN_PAST",
        ["groupBuy.endsAt"],
    ),
    (
        "latitude out of range",
        _with("SALE", location__latitude=91.0),
        "COORDINATES_OUT_OF_RANGE",
        ["location.latitude"],
    ),
    (
        "longitude out of range",
        _with("SALE", location__longitude=-180.5),
        "COORDINATES_OUT_OF_RANGE",
        ["location.longitude"],
    ),
    (
        "country code not assigned",
        _with("SALE", location__country="ZZ"),
        "INVALID_INPUT",
        ["location.country"],
    ),
    (
        "unknown attribute",
        _with("SALE", attributes={"wings": 2}),
        "ATTRIBUTE_UNKNOWN",
        ["attributes.wings"],
    ),
    (
        "kind not allowed",
        _with("SALE", category="handyman"),
        "CATEGORY_KIND_NOT_ALLOWED",
        ["category"],
    ),
    ("not a leaf", _with("SALE", category="fashion"), "CATEGORY_NOT_ASSIGNABLE", ["category"]),
    ("unknown category", _with("SALE", category="spaceships"), "CATEGORY_UNKNOWN", ["category"]),
    ("auction of several", _with("AUCTION", quantity=2), "INVALID_INPUT", ["quantity"]),
    ("empty title", _with("SALE", title="   "), "INVALID_INPUT", ["title"]),
    ("long title", _with("SALE", title="x" * 121), "INVALID_INPUT", ["title"]),
    (
        "absurd shipping fee",
        _with("SALE", handover__shipping__fee=10**9 + 1),
        "LISTING_INVALID_PRICE",
        ["handover.shipping.fee"],
    ),
    (
        "another kind's details",
        _with("SALE", rental={"pricePerDay": 100}),
        "INVALID_INPUT",
        ["rental"],
    ),
    (
        "storefront without a storefront",
        _with("SALE", visibility="STOREFRONT"),
        "INVALID_INPUT",
        ["visibility"],
    ),
]


class TestCreateRefusesBadInput:
    @pytest.mark.parametrize(
        ("data", "code", "fields"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
    )
    async def test_typed_error_and_nothing_written(
        self,
        client: httpx.AsyncClient,
        db: Database,
        seller: str,
        data: dict[str, Any],
        code: str,
        fields: list[str],
    ) -> None:
        result = (await gql(client, CREATE, {"i": data}, token=seller))["createListing"]
        assert result["__typename"] == "UserError", result
        assert result["code"] == code
        assert result["fields"] == fields
        assert await count_rows(db, "listings") == 0
        assert await count_rows(db, "listing_revisions") == 0


class TestUpdateIsAtomic:
    async def test_a_refused_update_changes_nothing(
        self, client: httpx.AsyncClient, db: Database, seller: str
    ) -> None:
        gid = (await gql(client, CREATE, {"i": valid_input("SALE")}, token=seller))[
            "createListing"
        ]["listing"]["id"]
        result = (
            await gql(
                client,
                UPDATE,
                {"id": gid, "v": 1, "i": {"title": "Changed", "sale": {"price": -3}}},
                token=seller,
            )
        )["updateListing"]
        assert result["code"] == "LISTING_INVALID_PRICE"
        node = await gql(
            client,
            "query($id: ID!) { node(id: $id) {"
            " ... on SaleListing { title version price { amount } } } }",
            {"id": gid},
            token=seller,
        )
        assert node["node"] == {"title": "A fine thing", "version": 1, "price": {"amount": 2500}}
        assert await count_rows(db, "listing_revisions") == 1


class TestPublishNeedsCompleteness:
    async def test_missing_fields_are_listed(
        self, client: httpx.AsyncClient, db: Database, seller: str
    ) -> None:
        draft = {"kind": "AUCTION", "title": "Old watch", "category": "watches"}
        gid = (await gql(client, CREATE, {"i": draft}, token=seller))["createListing"]["listing"][
            "id"
        ]
        result = (await gql(client, lifecycle("publishListing"), {"id": gid}, token=seller))[
            "publishListing"
        ]
        assert result["code"] == "LISTING_INCOMPLETE"
        assert result["fields"] == [
            "auction.startPrice",
            "auction.endsAt",
            "condition",
            "location.country",
            "handover.shipping.enabled",
        ]
        assert await count_rows(db, "listing_revisions") == 1

    async def test_required_attributes_are_checked_at_publication(
        self, client: httpx.AsyncClient, seller: str
    ) -> None:
        data = _with("SALE", category="women-tops")
        gid = (await gql(client, CREATE, {"i": data}, token=seller))["createListing"]["listing"][
            "id"
        ]
        result = (await gql(client, lifecycle("publishListing"), {"id": gid}, token=seller))[
            "publishListing"
        ]
        assert result["code"] == "ATTRIBUTE_REQUIRED"
        assert result["fields"] == ["attributes.size"]


UPDATE_CASES = [
    ("unknown category", {"category": "spaceships"}, "CATEGORY_UNKNOWN", ["category"]),
    ("four-letter currency", {"currency": "EURO"}, "CURRENCY_UNSUPPORTED", ["currency"]),
    (
        "three-letter country",
        {"location": {"country": "ZZZ"}},
        "INVALID_INPUT",
        ["location.country"],
    ),
    ("long title", {"title": "x" * 121}, "INVALID_INPUT", ["title"]),
    ("NUL in the title", {"title": "a\u0000b"}, "INVALID_INPUT", ["title"]),
    ("NUL in the description", {"description": "a\u0000b"}, "INVALID_INPUT", ["description"]),
    ("another kind's details", {"rental": {"pricePerDay": 100}}, "INVALID_INPUT", ["rental"]),
    ("another kind's empty details", {"auction": {}}, "INVALID_INPUT", ["auction"]),
    ("cleared title", {"title": None}, "INVALID_INPUT", ["title"]),
]


class TestUpdateRefusesBadInput:
    """updateListing answers the same typed errors as createListing, and writes nothing."""

    @pytest.mark.parametrize(
        ("data", "code", "fields"),
        [c[1:] for c in UPDATE_CASES],
        ids=[c[0] for c in UPDATE_CASES],
    )
    async def test_typed_error_and_nothing_written(
        self,
        client: httpx.AsyncClient,
        db: Database,
        seller: str,
        data: dict[str, Any],
        code: str,
        fields: list[str],
    ) -> None:
        gid = (await gql(client, CREATE, {"i": valid_input("SALE")}, token=seller))[
            "createListing"
        ]["listing"]["id"]
        result = (await gql(client, UPDATE, {"id": gid, "v": 1, "i": data}, token=seller))[
            "updateListing"
        ]
        assert result["__typename"] == "UserError", result
        assert (result["code"], result["fields"]) == (code, fields)
        node = await gql(
            client,
            "query($id: ID!) { node(id: $id) {"
            " ... on SaleListing { title version currency category { slug } } } }",
            {"id": gid},
            token=seller,
        )
        assert node["node"] == {
            "title": "A fine thing",
            "version": 1,
            "currency": "EUR",
            "category": {"slug": "handbags"},
        }
        assert await count_rows(db, "listing_revisions") == 1
