"""One failing root field does not wipe its siblings: root Query fields are nullable."""

from __future__ import annotations

from typing import Any

import httpx
from graphql import GraphQLNonNull, GraphQLObjectType

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from c2c_api.graphql.schema import build_schema


async def post(client: httpx.AsyncClient, query: str, token: str | None = None) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query}, headers=bearer(token) if token else {}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_every_root_query_field_is_nullable() -> None:
    """Each reads the database (a statement timeout, a bad cursor, a missing scope): each may
    fail alone (docs/schema-changes.md)."""
    query = build_schema()._schema.query_type
    assert isinstance(query, GraphQLObjectType)
    non_null = [n for n, f in query.fields.items() if isinstance(f.type, GraphQLNonNull)]
    assert non_null == []


class TestSiblingsSurvive:
    async def test_a_bad_search_cursor_keeps_the_categories(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        body = await post(client, '{ categories { slug } listings(after: "bogus") { totalCount } }')
        assert isinstance(body["data"]["categories"], list)
        assert body["data"]["listings"] is None
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (["listings"], "INVALID_CURSOR")
        ]

    async def test_a_missing_scope_keeps_the_search(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read"])
        body = await post(
            client, "{ listings { totalCount } myListings { edges { cursor } } }", token
        )
        assert body["data"]["listings"] == {"totalCount": 0}
        assert body["data"]["myListings"] is None
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (["myListings"], "INSUFFICIENT_SCOPE")
        ]

    async def test_a_member_asking_for_a_partner_keeps_the_categories(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read"])
        body = await post(client, "{ categories { slug } partner { id } }", token)
        assert isinstance(body["data"]["categories"], list)
        assert body["data"]["partner"] is None
        assert body["errors"][0]["path"] == ["partner"]
        assert body["errors"][0]["extensions"]["code"] in ("INSUFFICIENT_SCOPE", "UNAUTHENTICATED")

    async def test_a_bad_favorites_cursor_keeps_the_categories(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["account:read"])
        body = await post(
            client,
            '{ categories { slug } myFavorites(after: "bogus") { edges { cursor } } }',
            token,
        )
        assert isinstance(body["data"]["categories"], list)
        assert body["data"]["myFavorites"] is None
        assert body["errors"][0]["path"] == ["myFavorites"]
        assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
