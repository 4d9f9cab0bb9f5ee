"""Which listings a caller may see, for engagement features (favorites, questions).

The rule is the catalog's direct-fetch rule (docs/listings.md): PUBLISHED, RESERVED, SOLD,
CLOSED and EXPIRED listings are seen by everyone; DRAFT and PAUSED by their seller, their
storefront's partner (partner:catalog) and operators; REMOVED by their seller and operators.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor
from c2c_api.listings.models import Listing, ListingStatus

PUBLIC_STATUSES = frozenset(
    {
        ListingStatus.PUBLISHED,
        ListingStatus.RESERVED,
        ListingStatus.SOLD,
        ListingStatus.CLOSED,
        ListingStatus.EXPIRED,
    }
)


def can_see_listing(actor: Actor, listing: Listing) -> bool:
    """The direct-fetch visibility of one listing."""
    if listing.status in PUBLIC_STATUSES:
        return True
    if actor.is_operator:
        return True
    if actor.member_id is not None and actor.member_id == listing.seller_id:
        return True
    return (
        listing.status != ListingStatus.REMOVED
        and actor.partner_id is not None
        and listing.partner_id == actor.partner_id
        and "partner:catalog" in actor.scopes
    )


async def visible_listings(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Listing]:
    """The listings among `ids` that the caller may see (one statement)."""
    if not ids:
        return {}
    rows = await session.exec(select(Listing).where(col(Listing.id).in_(list(ids))))
    return {row.id: row for row in rows if can_see_listing(actor, row)}
