"""Helpers for listing tests: categories, GraphQL over HTTP, a valid input per kind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from auth_factories import bearer
from c2c_api.categories.service import ensure_default_categories, invalidate_cache
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow

# An exact position that must never appear in a response (Paris, Hôtel de Ville).
EXACT_LAT = 48.856613
EXACT_LNG = 2.352222

LISTING_FIELDS = """
  __typename id kind status title version currency quantity visibility
  displayPrice { amount currency formatted }
  category { slug name path { slug } }
  location { city country approximatePosition { latitude longitude } }
  handover { shipping { enabled fee { amount } carriers } meetup { enabled area } }
  seller { id displayName }
  storefront { id slug }
  ... on SaleListing { price { amount } acceptsOffers }
  ... on AuctionListing { startPrice { amount } reservePrice { amount } hasReserve
                          buyNowPrice { amount } bidIncrement { amount } endsAt }
  ... on RentalListing { pricePerDay { amount } deposit { amount } minDays maxDays }
  ... on ServiceListing { price { amount } priceUnit durationMinutes }
  ... on SwapListing { swapSeeks }
  ... on GroupBuyListing { unitPrice { amount } targetQuantity endsAt }
  ... on WantedListing { budget { amount } }
"""

CREATE = (
    "mutation($i: CreateListingInput!) { createListing(input: $i) { __typename"
    " ... on ListingSuccess { listing {" + LISTING_FIELDS + "} }"
    " ... on UserError { code message fields } } }"
)
UPDATE = (
    "mutation($id: ID!, $v: Int!, $i: ListingFieldsInput!) {"
    " updateListing(id: $id, expectedVersion: $v, input: $i) { __typename"
    " ... on ListingSuccess { listing {" + LISTING_FIELDS + "} }"
    " ... on UserError { code message fields } } }"
)


def lifecycle(name: str, extra: str = "") -> str:
    args = "$id: ID!" + (", $r: String!" if name == "removeListing" else "")
    call = "id: $id" + (", reason: $r" if name == "removeListing" else "")
    return (
        f"mutation({args}) {{ {name}({call}{extra}) {{ __typename"
        " ... on ListingSuccess { listing { id status version } }"
        " ... on UserError { code message fields } } }"
    )


NODE = "query($id: ID!) { node(id: $id) { ... on Listing {" + LISTING_FIELDS + "} } }"


async def seed_categories(db: Database) -> None:
    invalidate_cache()
    await ensure_default_categories(db)


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    locale: str | None = None,
) -> dict[str, Any]:
    headers = bearer(token) if token else {}
    if locale:
        headers["Accept-Language"] = locale
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


def common(category: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "A fine thing",
        "description": "In good shape.",
        "category": category,
        "condition": "GOOD",
        "currency": "EUR",
        "location": {
            "city": "Paris",
            "country": "FR",
            "latitude": EXACT_LAT,
            "longitude": EXACT_LNG,
        },
        "handover": {
            "shipping": {"enabled": True, "fee": 490, "carriers": ["colissimo"]},
            "meetup": {"enabled": True, "area": "Paris 4e"},
        },
    }
    data.update(overrides)
    return data


def valid_input(kind: str) -> dict[str, Any]:
    """A complete (publishable) CreateListingInput for `kind`."""
    soon = (utcnow() + timedelta(days=7)).isoformat()
    if kind == "SALE":
        return {"kind": kind, **common("handbags"), "sale": {"price": 2500, "acceptsOffers": True}}
    if kind == "AUCTION":
        return {
            "kind": kind,
            **common("watches"),
            "auction": {
                "startPrice": 1000,
                "reservePrice": 5000,
                "buyNowPrice": 9000,
                "bidIncrement": 100,
                "endsAt": soon,
            },
        }
    if kind == "RENTAL":
        return {
            "kind": kind,
            **common("tool-rental"),
            "rental": {"pricePerDay": 1500, "deposit": 10000, "minDays": 1, "maxDays": 14},
        }
    if kind == "SERVICE":
        data = common("handyman")
        data.pop("condition")
        return {
            "kind": kind,
            **data,
            "service": {"price": 3000, "priceUnit": "HOUR", "durationMinutes": 120},
        }
    if kind == "SWAP":
        return {"kind": kind, **common("backpacks"), "swap": {"swapSeeks": "A tent"}}
    if kind == "DONATION":
        return {"kind": kind, **common("luggage")}
    if kind == "GROUP_BUY":
        return {
            "kind": kind,
            **common("jewellery", quantity=50),
            "groupBuy": {"unitPrice": 800, "targetQuantity": 20, "endsAt": soon},
        }
    if kind == "WANTED":
        return {"kind": kind, **common("jewellery"), "wanted": {"budget": 20000}}
    raise AssertionError(kind)


KINDS = ["SALE", "AUCTION", "RENTAL", "SERVICE", "SWAP", "DONATION", "GROUP_BUY", "WANTED"]


async def count_rows(db: Database, table: str) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one())
