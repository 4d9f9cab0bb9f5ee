"""A unit of work per use case, and reads that sibling resolvers share safely (both databases).

Found by adversarial testing: resolvers running at the same time shared one AsyncSession (and
so one connection) and failed every time; a mutation's success was reported while its writes
could still be rolled back by a later failure of the same request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import select

from auth_factories import (
    ALL_MEMBER_SCOPES,
    ALL_PARTNER_SCOPES,
    bearer,
    create_member_with_token,
    partner_token,
)
from c2c_api.db import Database, ReadOnlyViolation
from c2c_api.partners.models import Partner
from engagement_support import gid, publish_through_service


async def post(
    client: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=bearer(token) if token else {},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestSiblingResolversShareReads:
    """Each document failed every time before SharedSession."""

    async def test_viewer_beside_favorites(self, client: httpx.AsyncClient, db: Database) -> None:
        _, token = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
        body = await post(client, "{ viewer { id } myFavorites { edges { node { id } } } }", token)
        assert "errors" not in body, body
        assert body["data"]["myFavorites"] == {"edges": []}
        assert body["data"]["viewer"]["id"]

    async def test_favorites_beside_saved_searches(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, token = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
        body = await post(
            client,
            "{ myFavorites { edges { node { id } } } savedSearches { edges { node { id } } } }",
            token,
        )
        assert "errors" not in body, body
        assert body["data"] == {"myFavorites": {"edges": []}, "savedSearches": {"edges": []}}

    async def test_partner_beside_its_storefront(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, token = await partner_token(db, scopes=ALL_PARTNER_SCOPES)
        body = await post(
            client, "{ partner { id } storefrontListings { edges { node { id } } } }", token
        )
        assert "errors" not in body, body
        assert body["data"]["storefrontListings"] == {"edges": []}

    async def test_anonymous_search_beside_node(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        seller, _ = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
        listing = await publish_through_service(db, seller)
        body = await post(
            client,
            "query($id: ID!) { listings { totalCount } node(id: $id) { id } }",
            id=gid(listing),
        )
        assert "errors" not in body, body
        assert body["data"] == {"listings": {"totalCount": 1}, "node": {"id": gid(listing)}}

    async def test_history_beside_a_failing_questions_page(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        """Was an HTTP 500 (found by adversarial testing, when the request's one transaction was
        committed at its end). Reads are never committed now; the bad cursor is a typed error
        and, `questions` being non-null, it nulls the listing, not the response."""
        seller, token = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
        listing = await publish_through_service(db, seller)
        query = (
            "query($id: ID!) { node(id: $id) { ... on Listing { history { version } "
            'questions(after: "bogus") { edges { node { id } } } } } }'
        )
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": {"id": gid(listing)}},
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"] == {"node": None}  # questions is non-null: the listing is nulled
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_CURSOR"]

    async def test_many_statements_at_once_on_one_shared_session(self, db: Database) -> None:
        session = db.read_sessionmaker()
        try:
            counts = await asyncio.gather(
                *(session.exec(select(sa.literal(i))) for i in range(50))  # type: ignore[call-overload]
            )
            assert [c.one() for c in counts] == list(range(50))
        finally:
            await session.close()

    async def test_a_read_session_refuses_to_write(self, db: Database) -> None:
        session = db.read_sessionmaker()
        try:
            session.add(Partner(slug="never", name="Never"))
            with pytest.raises(ReadOnlyViolation):
                await session.flush()
        finally:
            await session.close()


CREATE_PARTNER = (
    'mutation($slug: String!) { createPartner(input: {slug: $slug, name: "Shop"}) { '
    "__typename ... on CreatePartnerSuccess { partner { slug } } ... on UserError { code } } }"
)


async def partner_slugs(db: Database) -> list[str]:
    async with db.sessionmaker() as session:
        return sorted((await session.exec(select(Partner.slug))).all())


class TestMutationsCommitTheirOwnUseCase:
    async def test_two_mutations_one_refused_keep_the_first(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, token = await create_member_with_token(db, scopes=["admin:partners"], operator=True)
        query = (
            'mutation { a: createPartner(input: {slug: "first", name: "A"}) { __typename } '
            'b: createPartner(input: {slug: "first", name: "B"}) { __typename '
            "... on UserError { code } } }"
        )
        body = await post(client, query, token)
        assert body["data"]["a"] == {"__typename": "CreatePartnerSuccess"}
        assert body["data"]["b"] == {"__typename": "UserError", "code": "SLUG_TAKEN"}
        assert await partner_slugs(db) == ["first"]

    async def test_the_second_mutation_reads_what_the_first_committed(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, token = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
        seller, _ = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
        listing = await publish_through_service(db, seller)
        query = (
            "mutation($id: ID!) { a: addFavorite(listingId: $id) { "
            "... on AddFavoriteSuccess { favoriteCount } } "
            "b: addFavorite(listingId: $id) { ... on AddFavoriteSuccess { favoriteCount "
            "listing { viewerHasFavorited favoriteCount } } } }"
        )
        body = await post(client, query, token, id=gid(listing))
        assert "errors" not in body, body
        assert body["data"]["a"] == {"favoriteCount": 1}
        assert body["data"]["b"]["listing"] == {"viewerHasFavorited": True, "favoriteCount": 1}

    async def test_a_reported_success_is_durable_when_a_later_mutation_is_refused(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        """Chosen rule: a mutation is committed before its payload is resolved, so what it
        reported as done stays done whatever fails afterwards in the same document (a payload
        field that raises after the commit: tests/http/test_graphql_error_masking.py)."""
        _, token = await create_member_with_token(db, scopes=["admin:partners"], operator=True)
        query = (
            'mutation { a: createPartner(input: {slug: "kept", name: "A"}) { __typename } '
            'b: createPartner(input: {slug: "", name: ""}) { __typename } }'
        )
        body = await post(client, query, token)
        assert body["data"]["a"] == {"__typename": "CreatePartnerSuccess"}
        assert await partner_slugs(db) == ["kept"]

    async def test_a_refused_mutation_does_not_hide_a_committed_one(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        """Mutation fields are nullable: a later mutation refused by its scope check nulls its
        own field only, and the first one's committed success still reads as a success."""
        _, token = await create_member_with_token(db, scopes=["admin:partners"], operator=True)
        query = (
            'mutation { a: createPartner(input: {slug: "seen", name: "A"}) { __typename } '
            'b: updateProfile(input: {bio: "x"}) { __typename } }'
        )
        body = await post(client, query, token)
        assert body["data"] == {"a": {"__typename": "CreatePartnerSuccess"}, "b": None}
        [error] = body["errors"]
        assert error["path"] == ["b"]
        assert error["extensions"]["code"] == "INSUFFICIENT_SCOPE"
        assert await partner_slugs(db) == ["seen"]
