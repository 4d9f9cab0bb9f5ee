"""One connection per GraphQL request where there were two (PostgreSQL): the bearer token's
check keeps its connection for the request's first session (Database.request_scope), which
returns it to the pool; a request that opens no session returns it at its end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from auth_factories import ALL_MEMBER_SCOPES, bearer, create_member_with_token
from c2c_api.db import Database
from engagement_support import gid, publish_through_service


@contextmanager
def checkouts(db: Database) -> Iterator[list[int]]:
    """Pool checkouts while the block runs (one element per checkout)."""
    seen: list[int] = []

    def checkout(*_: Any) -> None:
        seen.append(1)

    pool = db.engine.sync_engine.pool
    sa.event.listen(pool, "checkout", checkout)
    try:
        yield seen
    finally:
        sa.event.remove(pool, "checkout", checkout)


async def post(client: httpx.AsyncClient, token: str, query: str, **variables: Any) -> Any:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture
def postgresql(db: Database) -> Database:
    if db.settings.is_sqlite:
        pytest.skip("PostgreSQL's pool: SQLite's connections are local")
    return db


class TestOneConnectionPerRequest:
    async def test_a_query_reads_on_the_token_checks_connection(
        self, client: httpx.AsyncClient, postgresql: Database
    ) -> None:
        _, token = await create_member_with_token(postgresql, scopes=ALL_MEMBER_SCOPES)
        with checkouts(postgresql) as seen:
            data = await post(client, token, "{ viewer { id } }")
        assert data["viewer"]["id"]
        assert len(seen) == 1
        assert postgresql.pool_status()["inUse"] == 0

    async def test_a_mutation_writes_on_it_and_later_sessions_check_out_as_usual(
        self, client: httpx.AsyncClient, postgresql: Database
    ) -> None:
        _, token = await create_member_with_token(postgresql, scopes=ALL_MEMBER_SCOPES)
        seller, _ = await create_member_with_token(postgresql, scopes=ALL_MEMBER_SCOPES)
        listing = await publish_through_service(postgresql, seller)
        query = (
            "mutation($id: ID!) { addFavorite(listingId: $id) { ... on AddFavoriteSuccess {"
            " favoriteCount listing { viewerHasFavorited } } } }"
        )
        with checkouts(postgresql) as seen:
            data = await post(client, token, query, id=gid(listing))
        assert data["addFavorite"] == {"favoriteCount": 1, "listing": {"viewerHasFavorited": True}}
        # the token's check and the use case on one connection, the payload's reads on another
        assert len(seen) == 2
        assert postgresql.pool_status()["inUse"] == 0

    async def test_a_request_refused_before_any_session_returns_it(
        self, client: httpx.AsyncClient, postgresql: Database
    ) -> None:
        _, token = await create_member_with_token(postgresql, scopes=ALL_MEMBER_SCOPES)
        response = await client.post(
            "/graphql", json={"query": "{ viewer { nope } }"}, headers=bearer(token)
        )
        assert response.json()["errors"]
        assert postgresql.pool_status()["inUse"] == 0
