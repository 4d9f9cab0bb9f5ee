"""`seed --demo` publishes a listing of every kind, found through search at once."""

import httpx

from c2c_api.categories.taxonomy import ListingKind
from c2c_api.db import Database
from c2c_api.demo import seed_demo

TYPENAMES = {
    "SaleListing",
    "AuctionListing",
    "RentalListing",
    "ServiceListing",
    "SwapListing",
    "DonationListing",
    "GroupBuyListing",
    "WantedListing",
}


async def test_demo_listings_cover_every_kind_and_are_searchable(
    db: Database, client: httpx.AsyncClient
) -> None:
    await seed_demo(db)
    response = await client.post(
        "/graphql",
        json={"query": "{ listings(first: 50) { edges { node { __typename title } } } }"},
    )
    nodes = [e["node"] for e in response.json()["data"]["listings"]["edges"]]
    assert {n["__typename"] for n in nodes} == TYPENAMES
    assert len(TYPENAMES) == len(ListingKind)

    found = await client.post(
        "/graphql",
        json={"query": '{ listings(query: "velo") { edges { node { title } } } }'},
    )
    titles = [e["node"]["title"] for e in found.json()["data"]["listings"]["edges"]]
    assert titles == ["Vélo de ville Peugeot vintage"]
