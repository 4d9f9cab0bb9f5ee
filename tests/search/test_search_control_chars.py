"""Control characters in search inputs: a typed INVALID_INPUT naming the field, never a 500.

PostgreSQL refuses NUL in text parameters; the API refuses every control character before any
statement runs, on both databases.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from search_support import create_listing, search, seed_categories

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from c2c_api.errors import InvalidInput
from c2c_api.search.filters import global_id
from factories import create_member, create_partner

SEARCH = """
query($q: String, $f: ListingFilter, $first: Int!) {
  listings(query: $q, filter: $f, first: $first) {
    edges { node { id } }
    totalCount
    facets { kinds { kind count } }
  }
}
"""
ATTRS = "filter.attributes"
SAVE = """
mutation($i: SaveSearchInput!) {
  saveSearch(input: $i) { __typename ... on UserError { code fields } }
}
"""


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, **kw)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def arrange(db: Database) -> Any:
    async with db.transaction() as session:
        await seed_categories(session)
        partner = await create_partner(session)
        seller = await create_member(session)
        await create_listing(session, seller.id, title="Vélo de ville")
    return partner


class TestSearchRefusesControlCharacters:
    async def test_each_string_input_is_refused_with_its_field(self, db, client) -> None:
        partner = await arrange(db)
        cases = [
            ({"f": {"storefront": "ab\x00c"}}, "filter.storefront"),
            ({"f": {"storefront": partner.slug + "\x1b"}}, "filter.storefront"),
            ({"f": {"seller": "\x00"}}, "filter.seller"),
            ({"f": {"category": "bikes\x00"}}, "filter.category"),
            ({"f": {"category": "handbags", "attributes": {"brand": "a\x00"}}}, ATTRS),
            ({"f": {"category": "handbags", "attributes": {"\x00": "a"}}}, ATTRS),
            ({"f": {"country": "F\x00"}}, "filter.country"),
            ({"q": "a\x00b"}, "query"),
            ({"q": "velo\x7f"}, "query"),
        ]
        for variables, field in cases:
            body = await post(client, SEARCH, {"first": 5, **variables})
            assert body["data"] == {"listings": None}, (variables, body)
            assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", (variables, body)
            # The service names the field (query errors carry only the code over GraphQL).
            async with db.transaction() as session:
                with pytest.raises(InvalidInput) as caught:
                    await search(session, query=variables.get("q"), filter=variables.get("f"))
            assert caught.value.fields == [field], variables

    async def test_ordinary_whitespace_in_query_text_is_accepted(self, db, client) -> None:
        await arrange(db)
        body = await post(client, SEARCH, {"first": 5, "q": "vélo\tde\nville"})
        assert "errors" not in body, body
        assert len(body["data"]["listings"]["edges"]) == 1

    async def test_storefront_by_id_still_works(self, db, client) -> None:
        partner = await arrange(db)
        body = await post(
            client, SEARCH, {"first": 5, "f": {"storefront": global_id("Partner", partner.id)}}
        )
        assert "errors" not in body, body


class TestSaveSearchRefusesControlCharacters:
    async def test_name_query_and_filter(self, db, client) -> None:
        async with db.transaction() as session:
            await seed_categories(session)
        _, token = await create_member_with_token(db, scopes=["account:write"])
        cases = [
            ({"name": "a\x00b"}, "name"),
            ({"name": "a\x07"}, "name"),
            ({"name": "ok", "query": "x\x00"}, "query"),
            ({"name": "ok", "filter": {"storefront": "ab\x00c"}}, "filter.storefront"),
        ]
        for given, field in cases:
            body = await post(client, SAVE, {"i": given}, headers=bearer(token))
            assert body["data"]["saveSearch"] == {
                "__typename": "UserError",
                "code": "INVALID_INPUT",
                "fields": [field],
            }, (given, body)
