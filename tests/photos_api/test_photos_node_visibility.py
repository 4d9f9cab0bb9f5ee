"""node(id: "Photo:…"): a photo is visible with its listing, never more widely.

A photo of a DRAFT or REMOVED listing is hidden from those who cannot see the listing; the
photo's owner and operators always see it; an unattached photo is its owner's only.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from strawberry.relay import GlobalID

from auth_factories import bearer, create_member_with_token
from c2c_api.db import Database
from c2c_api.listings.models import ListingStatus, Visibility
from c2c_api.photos import RENDITION_SIZES
from c2c_api.photos.models import Photo
from engagement_support import create_listing

PHOTO = "query($id: ID!) { node(id: $id) { ... on Photo { id thumbUrl } } }"


async def add_photo(db: Database, owner_id: uuid.UUID, listing_id: uuid.UUID | None) -> str:
    async with db.transaction() as session:
        photo = Photo(
            owner_id=owner_id,
            listing_id=listing_id,
            width=1,
            height=1,
            byte_size=1,
            sha256="0" * 64,
            renditions={name: f"k/{uuid.uuid4()}/{name}" for name, _ in RENDITION_SIZES},
        )
        session.add(photo)
        await session.flush()
        return str(GlobalID("Photo", str(photo.id)))


async def fetch(client: httpx.AsyncClient, gid: str, token: str | None = None) -> Any:
    response = await client.post(
        "/graphql",
        json={"query": PHOTO, "variables": {"id": gid}},
        headers=bearer(token) if token else {},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["node"]


class TestPhotoNodeVisibility:
    async def test_photo_follows_its_listing(self, db: Database, client: httpx.AsyncClient) -> None:
        seller, seller_token = await create_member_with_token(db, scopes=["listings:write"])
        _, stranger = await create_member_with_token(db, scopes=["account:read"])
        _, operator = await create_member_with_token(db, scopes=["admin:moderation"], operator=True)
        draft = await create_listing(db, seller, status=ListingStatus.DRAFT)
        removed = await create_listing(db, seller, status=ListingStatus.REMOVED)
        published = await create_listing(db, seller)
        hidden = {
            "draft": await add_photo(db, seller.id, draft.id),
            "removed": await add_photo(db, seller.id, removed.id),
        }
        shown = await add_photo(db, seller.id, published.id)

        for name, gid in hidden.items():
            assert await fetch(client, gid) is None, name
            assert await fetch(client, gid, stranger) is None, name
            assert (await fetch(client, gid, seller_token))["id"] == gid, name
            assert (await fetch(client, gid, operator))["id"] == gid, name
        assert (await fetch(client, shown))["id"] == shown
        assert (await fetch(client, shown, stranger))["id"] == shown

    async def test_storefront_listing_photo_is_visible_by_link(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, _ = await create_member_with_token(db, scopes=["listings:write"])
        listing = await create_listing(db, seller, visibility=Visibility.STOREFRONT)
        gid = await add_photo(db, seller.id, listing.id)
        # A PUBLISHED listing is fetchable by link whatever its visibility; so are its photos.
        assert (await fetch(client, gid))["id"] == gid

    async def test_unattached_photo_is_its_owners_only(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        owner, owner_token = await create_member_with_token(db, scopes=["listings:write"])
        _, stranger = await create_member_with_token(db, scopes=["listings:write"])
        gid = await add_photo(db, owner.id, None)
        assert (await fetch(client, gid, owner_token))["id"] == gid
        assert await fetch(client, gid, stranger) is None
        assert await fetch(client, gid) is None


class TestPhotoNodeStatements:
    async def test_listing_check_is_one_statement_for_many_photos(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        seller, _ = await create_member_with_token(db, scopes=["listings:write"])
        _, stranger = await create_member_with_token(db, scopes=["account:read"])
        gids = []
        for status in (ListingStatus.PUBLISHED, ListingStatus.DRAFT, ListingStatus.PUBLISHED):
            listing = await create_listing(db, seller, status=status)
            gids.append(await add_photo(db, seller.id, listing.id))
        fields = " ".join(
            f'p{n}: node(id: "{gid}") {{ ... on Photo {{ id }} }}' for n, gid in enumerate(gids)
        )
        seen: list[str] = []

        def record(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
            seen.append(statement)

        sa.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        try:
            response = await client.post(
                "/graphql", json={"query": "{ " + fields + " }"}, headers=bearer(stranger)
            )
        finally:
            sa.event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        data = response.json()["data"]
        assert [data[f"p{n}"] and data[f"p{n}"]["id"] for n in range(3)] == [
            gids[0],
            None,
            gids[2],
        ]
        listing_reads = [s for s in seen if "FROM listings" in s]
        assert len(listing_reads) == 1, listing_reads
        assert len([s for s in seen if "FROM photos" in s]) == 1, seen
