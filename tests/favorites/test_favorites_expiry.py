"""Favorites follow the listing policy, expiry included (issue 8, "a rule has several homes").

A paused listing past its end reads EXPIRED, a public status: anyone may open it by link, and
a member may add it to their favorites. The favorites list used to filter on the stored status
alone, so it left that listing out while `node` and `addFavorite` showed it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from auth_factories import create_member
from c2c_api.authz import Actor, ActorKind
from c2c_api.db import Database
from c2c_api.favorites.service import add_favorite, list_my_favorites
from c2c_api.kit.clock import utcnow
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.listings.service import get_visible_listings
from engagement_support import create_listing


def fan_actor(member_id: uuid.UUID) -> Actor:
    return Actor(
        kind=ActorKind.MEMBER,
        member_id=member_id,
        scopes=frozenset({"account:write", "account:read"}),
    )


async def _end(db: Database, listing: Listing, *, column: str) -> None:
    async with db.transaction() as session:
        row = await session.get(Listing, listing.id)
        assert row is not None
        setattr(row, column, utcnow() - timedelta(hours=1))
        session.add(row)


class TestFavoritesFollowExpiry:
    async def test_a_paused_listing_past_its_end_stays_in_the_list(self, db: Database) -> None:
        seller, fan = await create_member(db), await create_member(db)
        listing = await create_listing(db, seller, status=ListingStatus.PAUSED)
        await _end(db, listing, column="expires_at")
        actor = fan_actor(fan.id)
        async with db.transaction() as session:
            assert listing.id in await get_visible_listings(session, actor, [listing.id])
            await add_favorite(session, actor, listing_id=listing.id)
        async with db.sessionmaker() as session:
            rows, _ = await list_my_favorites(session, actor)
        assert [row.id for _, row in rows] == [listing.id]

    async def test_a_paused_listing_past_its_auction_end_stays_in_the_list(
        self, db: Database
    ) -> None:
        seller, fan = await create_member(db), await create_member(db)
        listing = await create_listing(db, seller, status=ListingStatus.PAUSED)
        await _end(db, listing, column="ends_at")
        actor = fan_actor(fan.id)
        async with db.transaction() as session:
            await add_favorite(session, actor, listing_id=listing.id)
        async with db.sessionmaker() as session:
            rows, _ = await list_my_favorites(session, actor)
        assert [row.id for _, row in rows] == [listing.id]

    async def test_a_paused_listing_before_its_end_leaves_the_list(self, db: Database) -> None:
        seller, fan = await create_member(db), await create_member(db)
        listing = await create_listing(db, seller)
        actor = fan_actor(fan.id)
        async with db.transaction() as session:
            await add_favorite(session, actor, listing_id=listing.id)
            row = await session.get(Listing, listing.id)
            assert row is not None
            row.status = ListingStatus.PAUSED
            session.add(row)
        async with db.sessionmaker() as session:
            rows, _ = await list_my_favorites(session, actor)
        assert rows == []
