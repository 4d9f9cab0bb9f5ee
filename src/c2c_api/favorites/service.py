"""Favorites (the watchlist): a member watches listings; counts are public."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ListingPolicy, require_member
from c2c_api.errors import NotFound
from c2c_api.favorites.models import Favorite
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Position, keyset_page
from c2c_api.listings.models import Listing
from c2c_api.listings.service import get_visible_listings

Cursor = Position


class ListingNotFound(NotFound):
    """This listing does not exist."""


async def add_favorite(session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID) -> Listing:
    """Watch a listing the caller can see; adding it twice keeps one row (even concurrently)."""
    member_id = require_member(actor)
    found = await get_visible_listings(session, actor, [listing_id])
    listing = found.get(listing_id)
    if listing is None:
        raise ListingNotFound(fields=["listingId"])
    values = {"member_id": member_id, "listing_id": listing_id, "created_at": utcnow()}
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Favorite).values(**values).on_conflict_do_nothing()
    await session.exec(statement)
    return listing


async def remove_favorite(session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID) -> None:
    """Stop watching a listing; a no-op when it was not watched (or no longer exists)."""
    member_id = require_member(actor)
    await session.exec(
        sa.delete(Favorite).where(
            col(Favorite.member_id) == member_id, col(Favorite.listing_id) == listing_id
        )
    )


async def favorite_counts(
    session: AsyncSession, listing_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many members watch each listing (one GROUP BY; absent = 0)."""
    if not listing_ids:
        return {}
    rows = await session.exec(
        select(Favorite.listing_id, func.count())
        .where(col(Favorite.listing_id).in_(list(listing_ids)))
        .group_by(col(Favorite.listing_id))
    )
    return {listing_id: int(count) for listing_id, count in rows}


async def favorited_by(
    session: AsyncSession, member_id: uuid.UUID, listing_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these listings the member watches (one statement)."""
    if not listing_ids:
        return set()
    rows = await session.exec(
        select(Favorite.listing_id).where(
            col(Favorite.member_id) == member_id, col(Favorite.listing_id).in_(list(listing_ids))
        )
    )
    return set(rows)


async def list_my_favorites(
    session: AsyncSession, actor: Actor, *, limit: int = 20, after: Cursor | None = None
) -> tuple[list[tuple[Favorite, Listing]], bool]:
    """The caller's favorites, most recent first, keyset-paginated on (created_at, listing).

    Listings the caller can no longer see (e.g. taken down, or paused again) are left out:
    the listing policy's SQL clause, the same rule as a direct fetch.
    """
    member_id = require_member(actor)
    query = (
        select(Favorite, Listing)
        .join(Listing, col(Listing.id) == col(Favorite.listing_id))
        .where(col(Favorite.member_id) == member_id)
    )
    query = query.where(ListingPolicy.visible_clause(actor, utcnow()))
    rows, has_next = await keyset_page(
        session,
        query,
        created_at=col(Favorite.created_at),
        ident=col(Favorite.listing_id),
        after=after,
        limit=limit,
    )
    return [(fav, listing) for fav, listing in rows], has_next
