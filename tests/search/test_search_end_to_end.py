"""A third-party front end publishes a listing of every kind and finds it through search;
a member's saved search records an event when the listing is published."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import sqlalchemy as sa

from auth_factories import create_member_with_token
from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent
from worker_support import app_worker, drain

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "listings"))
from listings_support import CREATE, KINDS, gql, lifecycle, seed_categories, valid_input

FIND = """
query($q: String, $f: ListingFilter) {
  listings(query: $q, filter: $f, first: 50) {
    edges { node { __typename id kind title } }
    facets { kinds { kind count } }
  }
}
"""
SAVE = """
mutation($i: SaveSearchInput!) { saveSearch(input: $i) { __typename } }
"""


class TestPublishedListingsAreFound:
    async def test_every_kind(self, db: Database, client: httpx.AsyncClient) -> None:
        await seed_categories(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        fan, fan_token = await create_member_with_token(db, scopes=["account:write"])
        saved = await gql(
            client,
            SAVE,
            {"i": {"name": "gifts", "query": "cadeau", "filter": {"kinds": ["DONATION"]}}},
            token=fan_token,
        )
        assert saved["saveSearch"]["__typename"] == "SaveSearchSuccess"

        ids = {}
        for kind in KINDS:
            data = valid_input(kind)
            data["title"] = f"Cadeau {kind.lower()} unique"
            created = (await gql(client, CREATE, {"i": data}, token=seller))["createListing"]
            assert created["__typename"] == "ListingSuccess", created
            gid = created["listing"]["id"]
            published = await gql(client, lifecycle("publishListing"), {"id": gid}, token=seller)
            assert published["publishListing"]["__typename"] == "ListingSuccess", published
            ids[kind] = gid

        found = (await gql(client, FIND, {"q": "cadeau unique"}))["listings"]
        assert {e["node"]["kind"]: e["node"]["id"] for e in found["edges"]} == ids
        assert {f["kind"] for f in found["facets"]["kinds"]} == set(KINDS)
        for kind in KINDS:
            one = (await gql(client, FIND, {"f": {"kinds": [kind]}}))["listings"]["edges"]
            assert [e["node"]["id"] for e in one] == [ids[kind]]

        await drain(app_worker(db))  # matching runs in the worker, after the publishing commit
        async with db.sessionmaker() as session:
            rows = (
                await session.exec(
                    sa.select(OutboxEvent.member_id, OutboxEvent.payload).where(
                        OutboxEvent.topic == "saved_search.matched"
                    )
                )
            ).all()  # type: ignore[call-overload]
        assert [(r[0], r[1]["listingTitle"]) for r in rows] == [(fan.id, "Cadeau donation unique")]
