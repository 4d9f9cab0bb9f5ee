"""Every reader of listings answers as authz.ListingPolicy says: node, search, favorites,
questions, photos and listing writes (NotFound for what the caller may not see); search and
saved searches in tests/search/test_search_listing_policy.py.

The case that used to split them: a listing paused, then past its end. It reads EXPIRED, a
public status: anyone may open it by link, nobody finds it in search.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from auth_factories import bearer, create_member, create_partner, partner_token
from c2c_api.authz import ANONYMOUS, Actor, ActorKind, scopes_for
from c2c_api.db import Database
from c2c_api.errors import DomainError
from c2c_api.kit.clock import utcnow
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.listings.service import remove_listing, update_listing
from c2c_api.photos.service import attach_photos
from c2c_api.questions.service import ask_question
from c2c_api.users.models import Member
from engagement_support import create_listing, gid

NODE = "query($id: ID!) { node(id: $id) { ... on Listing { id status } } }"


def member(m: Member, *scopes: str) -> Actor:
    return Actor(ActorKind.MEMBER, frozenset(scopes or scopes_for(ActorKind.MEMBER)), m.id)


def partner(partner_id: uuid.UUID) -> Actor:
    return Actor(ActorKind.PARTNER, frozenset(scopes_for(ActorKind.PARTNER)), partner_id=partner_id)


async def past_end(db: Database, listing: Listing, **values: Any) -> Listing:
    """Move the listing's lifetime end into the past (and set other columns)."""
    async with db.transaction() as session:
        row = await session.get(Listing, listing.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
    return row


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str = ""
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=bearer(token) if token else {},
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def refusal(call: Any) -> str:
    with pytest.raises(DomainError) as caught:
        await call
    return str(caught.value.code)


class TestNode:
    async def test_a_paused_listing_past_its_end_opens_by_link_as_expired(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller = await create_member(db)
        listing = await past_end(db, await create_listing(db, seller, status=ListingStatus.PAUSED))
        data = await gql(client, NODE, {"id": gid(listing)})
        assert data["node"]["status"] == "EXPIRED"

    async def test_a_draft_is_null_for_others_and_seen_by_its_storefront(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller = await create_member(db)
        shop, token = await partner_token(db, scopes=["partner:catalog"])
        _, other_token = await partner_token(db, scopes=["partner:catalog"])
        draft = await create_listing(db, seller, status=ListingStatus.DRAFT, partner_id=shop.id)
        assert (await gql(client, NODE, {"id": gid(draft)}))["node"] is None
        assert (await gql(client, NODE, {"id": gid(draft)}, other_token))["node"] is None
        assert (await gql(client, NODE, {"id": gid(draft)}, token))["node"]["status"] == "DRAFT"


class TestQuestions:
    async def test_a_published_listing_past_its_end_is_closed_for_questions(
        self, db: Database
    ) -> None:
        seller, asker = await create_member(db), await create_member(db)
        ended = await past_end(db, await create_listing(db, seller))
        async with db.transaction() as session:
            code = await refusal(
                ask_question(session, member(asker), listing_id=ended.id, body="Still there?")
            )
        assert code == "LISTING_NOT_OPEN_FOR_QUESTIONS"

    async def test_a_draft_of_someone_else_is_not_found(self, db: Database) -> None:
        seller, asker = await create_member(db), await create_member(db)
        draft = await create_listing(db, seller, status=ListingStatus.DRAFT)
        async with db.transaction() as session:
            code = await refusal(
                ask_question(session, member(asker), listing_id=draft.id, body="Available?")
            )
        assert code == "NOT_FOUND"


class TestPhotos:
    async def test_only_insiders_manage_photos_and_others_get_not_found(self, db: Database) -> None:
        seller, other = await create_member(db), await create_member(db)
        shop, other_shop = await create_partner(db), await create_partner(db)
        listing = await create_listing(db, seller, partner_id=shop.id)
        for outsider in (member(other), partner(other_shop.id), ANONYMOUS):
            async with db.transaction() as session:
                code = await refusal(
                    attach_photos(session, outsider, listing_id=listing.id, photo_ids=[])
                )
            assert code == "NOT_FOUND"
        for insider in (member(seller), partner(shop.id)):
            async with db.transaction() as session:
                assert (
                    await attach_photos(session, insider, listing_id=listing.id, photo_ids=[]) == []
                )


class TestListingWrites:
    async def test_someone_who_cannot_see_a_draft_gets_not_found(self, db: Database) -> None:
        seller, other = await create_member(db), await create_member(db)
        draft = await create_listing(db, seller, status=ListingStatus.DRAFT)
        async with db.transaction() as session:
            code = await refusal(
                update_listing(
                    session,
                    member(other),
                    listing_id=draft.id,
                    expected_version=None,
                    values={"title": "Mine now"},
                )
            )
        assert code == "NOT_FOUND"

    async def test_the_storefront_sees_a_draft_but_may_not_edit_it(self, db: Database) -> None:
        seller = await create_member(db)
        shop = await create_partner(db)
        draft = await create_listing(db, seller, status=ListingStatus.DRAFT, partner_id=shop.id)
        async with db.transaction() as session:
            code = await refusal(
                update_listing(
                    session,
                    partner(shop.id),
                    listing_id=draft.id,
                    expected_version=None,
                    values={"title": "Ours now"},
                )
            )
        assert code == "FORBIDDEN"

    async def test_another_storefront_cannot_remove_what_it_cannot_see(self, db: Database) -> None:
        seller = await create_member(db)
        shop, other_shop = await create_partner(db), await create_partner(db)
        draft = await create_listing(db, seller, status=ListingStatus.DRAFT, partner_id=shop.id)
        async with db.transaction() as session:
            code = await refusal(
                remove_listing(session, partner(other_shop.id), listing_id=draft.id, reason="x")
            )
        assert code == "NOT_FOUND"
        async with db.transaction() as session:
            removed = await remove_listing(
                session, partner(shop.id), listing_id=draft.id, reason="Counterfeit"
            )
        assert removed.status == ListingStatus.REMOVED
