"""Search and saved searches over HTTP: a third-party front end's view."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa
from search_support import create_listing, seed_categories

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent
from c2c_api.search import service
from c2c_api.search.filters import global_id
from factories import create_member
from worker_support import app_worker, drain

SEARCH = """
query($q: String, $f: ListingFilter, $s: ListingSort, $first: Int!, $after: String) {
  listings(query: $q, filter: $f, sort: $s, first: $first, after: $after) {
    edges { cursor node { __typename id title ... on SaleListing { price { amount currency } } } }
    pageInfo { hasNextPage endCursor }
    totalCount totalCountIsCapped
    facets {
      kinds { kind count }
      conditions { condition count }
      categories { category { slug name } count }
      priceBuckets { currency min max count }
    }
  }
}
"""


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, **kw)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def arrange(db: Database) -> Any:
    async with db.transaction() as session:
        await seed_categories(session)
        seller = await create_member(session)
        await create_listing(session, seller.id, title="Vélo de ville bleu", price=12000)
        await create_listing(session, seller.id, title="Vélo enfant", price=4000, condition="NEW")
        await create_listing(session, seller.id, title="Lampe", category_slug="decoration")
        await create_listing(session, seller.id, title="Vélo brouillon", status="DRAFT")
    return seller


class TestListingsQuery:
    async def test_facets_of_a_too_broad_search_are_refused(self, db, client, monkeypatch) -> None:
        """Facets read every match: beyond FACET_LIMIT matches they are an error on the field,
        typed and documented, and the page itself still comes back."""
        await arrange(db)  # 3 published listings, 2 of them "vélo"
        monkeypatch.setattr(service, "FACET_LIMIT", 2)
        body = await gql(client, SEARCH, {"first": 5})
        page = body["data"]["listings"]
        assert len(page["edges"]) == 3 and page["totalCount"] == 3
        assert page["facets"] is None
        [error] = body["errors"]
        assert error["path"] == ["listings", "facets"]
        assert error["extensions"]["code"] == "SEARCH_LIMIT_EXCEEDED"
        assert error["extensions"]["limit"] == 2
        narrowed = await gql(client, SEARCH, {"q": "velo", "first": 5})
        assert "errors" not in narrowed, narrowed
        assert narrowed["data"]["listings"]["facets"]["kinds"] == [{"kind": "SALE", "count": 2}]

    async def test_keyword_filters_facets_and_pages(self, db, client) -> None:
        await arrange(db)
        variables = {"q": "velo", "f": {"category": "sports"}, "first": 1}
        body = await gql(client, SEARCH, variables, headers={"Accept-Language": "fr"})
        assert "errors" not in body, body
        page = body["data"]["listings"]
        assert page["totalCount"] == 2 and page["totalCountIsCapped"] is False
        assert page["pageInfo"]["hasNextPage"] is True
        node = page["edges"][0]["node"]
        assert node["__typename"] == "SaleListing" and node["title"].startswith("Vélo")
        facets = page["facets"]
        assert facets["kinds"] == [{"kind": "SALE", "count": 2}]
        assert facets["categories"] == [
            {"category": {"slug": "bikes", "name": "Vélos"}, "count": 2}
        ]
        assert {"currency": "EUR", "min": 2500, "max": 5000, "count": 1} in facets["priceBuckets"]

        variables["after"] = page["pageInfo"]["endCursor"]
        second = (await gql(client, SEARCH, variables))["data"]["listings"]
        assert second["pageInfo"]["hasNextPage"] is False
        assert {e["node"]["title"] for e in page["edges"] + second["edges"]} == {
            "Vélo de ville bleu",
            "Vélo enfant",
        }

    async def test_tampered_cursor_is_a_typed_error(self, db, client) -> None:
        await arrange(db)
        body = await gql(client, SEARCH, {"first": 1, "after": "bm9wZQ.bm9wZQ"})
        assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
        assert body["data"] == {"listings": None}  # root fields are nullable

    async def test_bad_input_is_a_typed_error(self, db, client) -> None:
        await arrange(db)
        cases = [
            ({"f": {"minPrice": 100}}, "CURRENCY_REQUIRED"),
            ({"f": {"near": {"latitude": 100, "longitude": 0}}}, "COORDINATES_OUT_OF_RANGE"),
            ({"f": {"category": "nope"}}, "CATEGORY_UNKNOWN"),
            ({"f": {"category": "city-bikes", "attributes": {"x": 1}}}, "ATTRIBUTE_UNKNOWN"),
            ({"first": 500}, "SEARCH_LIMIT_EXCEEDED"),
            ({"s": "NEAREST"}, "INVALID_INPUT"),
        ]
        for variables, code in cases:
            body = await gql(client, SEARCH, {"first": 5, **variables})
            assert body["errors"][0]["extensions"]["code"] == code, (variables, body)


SAVE = """
mutation($i: SaveSearchInput!) {
  saveSearch(input: $i) {
    __typename
    ... on SaveSearchSuccess { savedSearch { id name query filter notify } }
    ... on UserError { code fields }
  }
}
"""
LIST = "{ savedSearches(first: 10) { edges { node { id name filter } } } }"
DELETE = """
mutation($id: ID!) {
  deleteSavedSearch(id: $id) { __typename ... on UserError { code } }
}
"""


class TestSavedSearches:
    async def test_save_list_delete(self, db, client) -> None:
        async with db.transaction() as session:
            await seed_categories(session)
        _, token = await create_member_with_token(db, scopes=["account:read", "account:write"])
        _, other = await create_member_with_token(db, scopes=["account:read", "account:write"])
        saved = await gql(
            client,
            SAVE,
            {"i": {"name": "Vélos", "query": "Vélo!", "filter": {"category": "bikes"}}},
            headers=bearer(token),
        )
        node = saved["data"]["saveSearch"]["savedSearch"]
        assert node["query"] == "vélo" and node["filter"] == {"category": "bikes"}

        listed = await gql(client, LIST, headers=bearer(token))
        assert [e["node"]["name"] for e in listed["data"]["savedSearches"]["edges"]] == ["Vélos"]
        assert (await gql(client, LIST, headers=bearer(other)))["data"]["savedSearches"][
            "edges"
        ] == []

        denied = await gql(client, DELETE, {"id": node["id"]}, headers=bearer(other))
        assert denied["data"]["deleteSavedSearch"] == {
            "__typename": "UserError",
            "code": "NOT_FOUND",
        }
        done = await gql(client, DELETE, {"id": node["id"]}, headers=bearer(token))
        assert done["data"]["deleteSavedSearch"]["__typename"] == "DeleteSavedSearchSuccess"

    async def test_invalid_filters_are_refused(self, db, client) -> None:
        async with db.transaction() as session:
            await seed_categories(session)
        _, token = await create_member_with_token(db, scopes=["account:write"])
        body = await gql(
            client,
            SAVE,
            {"i": {"name": "x", "filter": {"currency": "EUR", "maxPrice": -5}}},
            headers=bearer(token),
        )
        assert body["data"]["saveSearch"] == {
            "__typename": "UserError",
            "code": "SEARCH_LIMIT_EXCEEDED",
            "fields": ["filter.maxPrice"],
        }


class TestMatchingNewListings:
    async def test_events_for_matching_saved_searches_only(self, db) -> None:
        async with db.transaction() as session:
            await seed_categories(session)
            seller = await create_member(session)
            fan = await create_member(session)
            other = await create_member(session)
            from c2c_api.authz import Actor, ActorKind

            def member(m: Any) -> Actor:
                return Actor(kind=ActorKind.MEMBER, member_id=m.id)

            hit = await service.save_search(
                session, member(fan), name="bikes", query="velo", filter={"category": "bikes"}
            )
            cheap = await service.save_search(
                session,
                member(fan),
                name="cheap",
                query=None,
                filter={"currency": "EUR", "maxPrice": 5000},
            )
            await service.save_search(
                session, member(other), name="phones", query=None, filter={"category": "phones"}
            )
            await service.save_search(
                session, member(other), name="muted", query="velo", filter={}, notify=False
            )
            await service.save_search(session, member(seller), name="own", query="velo", filter={})
            await service.save_search(
                session,
                member(other),
                name="shop",
                query=None,
                filter={"storefront": global_id("Partner", seller.id)},
            )
            listing = await create_listing(
                session, seller.id, title="Vélo de course", price=15000, status="PUBLISHED"
            )
            await service.on_listing_published(session, listing)
        # Publishing queues a matching job; the worker runs it after commit.
        assert await drain(app_worker(db)) >= 1
        async with db.sessionmaker() as session:
            events = (
                await session.exec(
                    sa.select(OutboxEvent)  # type: ignore[call-overload]
                    .where(OutboxEvent.topic == service.MATCH_TOPIC)
                    .order_by(OutboxEvent.created_at)
                )
            ).all()
        payloads = [(e[0].member_id, e[0].payload["savedSearchId"]) for e in events]
        assert payloads == [(fan.id, str(hit.id))]
        assert events[0][0].topic == "saved_search.matched"
        assert events[0][0].payload["listingId"] == str(listing.id)
        assert cheap.id != hit.id

    async def test_only_searches_of_the_listing_category_line_are_evaluated(self, db) -> None:
        """Saved searches of other categories are not even read when a listing is published:
        the cost of publishing does not grow with them (one statement per 100 evaluated)."""
        from c2c_api.authz import Actor, ActorKind

        async with db.transaction() as session:
            await seed_categories(session)
            seller = await create_member(session)
            fan = await create_member(session)
            fan_actor = Actor(kind=ActorKind.MEMBER, member_id=fan.id)
            root = await service.save_search(
                session, fan_actor, name="sports", query=None, filter={"category": "sports"}
            )
            anything = await service.save_search(
                session, fan_actor, name="any velo", query="velo", filter={}
            )
            for i in range(150):
                await service.save_search(
                    session,
                    Actor(kind=ActorKind.MEMBER, member_id=(await create_member(session)).id),
                    name=f"phones {i}",
                    query=None,
                    filter={"category": "smartphones"},
                )
            listing = await create_listing(session, seller.id, title="Vélo", status="PUBLISHED")
            statements: list[str] = []

            def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
                statements.append(statement)

            sa.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
            try:
                await service.run_match_job(session, listing_id=listing.id, after=None, batch=100)
            finally:
                sa.event.remove(db.engine.sync_engine, "before_cursor_execute", record)
            events = (
                await session.exec(
                    sa.select(OutboxEvent).where(OutboxEvent.topic == service.MATCH_TOPIC)  # type: ignore[call-overload]
                )
            ).all()
        assert {e[0].payload["savedSearchId"] for e in events} == {str(root.id), str(anything.id)}
        candidate_reads = [s for s in statements if "FROM saved_searches" in s]
        assert len(candidate_reads) == 1, statements
        matching = [s for s in statements if "CASE WHEN" in s and "saved_searches" not in s]
        assert len(matching) == 1, statements  # 2 candidates: one batch, not two (152 rows)

    async def test_a_draft_matches_nothing(self, db) -> None:
        async with db.transaction() as session:
            await seed_categories(session)
            seller = await create_member(session)
            fan = await create_member(session)
            from c2c_api.authz import Actor, ActorKind

            await service.save_search(
                session,
                Actor(kind=ActorKind.MEMBER, member_id=fan.id),
                name="all",
                query=None,
                filter={},
            )
            listing = await create_listing(session, seller.id, status="DRAFT")
            await service.run_match_job(session, listing_id=listing.id, after=None, batch=100)
            count = (
                await session.exec(
                    sa.select(sa.func.count())  # type: ignore[call-overload]
                    .select_from(OutboxEvent)
                    .where(OutboxEvent.topic == service.MATCH_TOPIC)
                )
            ).one()
        assert count[0] == 0
