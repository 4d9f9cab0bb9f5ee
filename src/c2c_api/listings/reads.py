"""Listing reads honouring visibility: direct fetches, edit history, keyset lists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from c2c_api.authz import Actor, ListingPolicy
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Page, Position, keyset_page
from c2c_api.listings.models import Listing, ListingRevision, ListingStatus

Cursor = Position


async def get_visible_listings(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Listing]:
    """Listings by id that `actor` may fetch directly (one statement, for DataLoaders)."""
    if not ids:
        return {}
    rows = await session.exec(select(Listing).where(col(Listing.id).in_(list(ids))))
    now = utcnow()
    return {row.id: row for row in rows if ListingPolicy.can_see(actor, row, now)}


async def get_revisions(
    session: AsyncSession, listing_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ListingRevision]]:
    """Edit history per listing, newest first (callers check who may see it)."""
    if not listing_ids:
        return {}
    rows = await session.exec(
        select(ListingRevision)
        .where(col(ListingRevision.listing_id).in_(list(listing_ids)))
        .order_by(col(ListingRevision.version).desc())
    )
    out: dict[uuid.UUID, list[ListingRevision]] = {}
    for r in rows:
        out.setdefault(r.listing_id, []).append(r)
    return out


async def _newest_first(
    session: AsyncSession, query: SelectOfScalar[Listing], after: Cursor | None, limit: int
) -> Page[Listing]:
    items, has_next = await keyset_page(
        session,
        query,
        created_at=col(Listing.created_at),
        ident=col(Listing.id),
        after=after,
        limit=limit,
    )
    return Page(items=items, has_next=has_next)


async def list_my_listings(
    session: AsyncSession,
    actor: Actor,
    *,
    status: ListingStatus | None = None,
    limit: int = 20,
    after: Cursor | None = None,
) -> Page[Listing]:
    """The caller's own listings, newest first, keyset-paginated (every status)."""
    query = select(Listing).where(ListingPolicy.own_clause(actor))
    if status is not None:
        query = query.where(Listing.status == status)
    return await _newest_first(session, query, after, limit)


async def list_storefront_listings(
    session: AsyncSession,
    actor: Actor,
    *,
    status: ListingStatus | None = None,
    limit: int = 20,
    after: Cursor | None = None,
) -> Page[Listing]:
    """A storefront's listings for its partner (partner:catalog), newest first; removed ones
    included so that moderators can restore them."""
    query = select(Listing).where(ListingPolicy.storefront_catalog_clause(actor))
    if status is not None:
        query = query.where(Listing.status == status)
    return await _newest_first(session, query, after, limit)
