"""A listing's stock: reserved by open orders, sold by completed ones (docs/journey.md).

Reserving is one conditional UPDATE (`reserved + sold + q <= quantity` and the listing
published), so two buyers of the last unit cannot both succeed: on PostgreSQL the second
UPDATE waits for the first's row lock, then re-reads the row and finds no unit left. The
check constraint `ck_listings_stock` is the backstop.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.listings.revisions import bump


async def reserve(session: AsyncSession, *, listing_id: uuid.UUID, quantity: int) -> bool:
    """Hold `quantity` units for an order; False when the listing has fewer left or is not
    published. Marks the listing RESERVED when no unit is left to sell."""
    table = Listing.__table__  # type: ignore[attr-defined]
    taken = table.c.reserved_quantity + table.c.sold_quantity + quantity
    result = await session.exec(
        sa.update(table)
        .where(
            table.c.id == listing_id,
            table.c.status == ListingStatus.PUBLISHED.value,
            taken <= table.c.quantity,
        )
        .values(reserved_quantity=table.c.reserved_quantity + quantity)
        .returning(table.c.quantity, table.c.reserved_quantity, table.c.sold_quantity)
    )
    row = result.first()
    if row is None:
        return False
    if row.reserved_quantity + row.sold_quantity >= row.quantity:
        await _set_status(session, listing_id, ListingStatus.RESERVED, action="reserved")
    return True


async def release(session: AsyncSession, *, listing_id: uuid.UUID, quantity: int) -> None:
    """Give back units an order held (cancelled, refunded): the listing is for sale again."""
    listing = await _locked(session, listing_id)
    listing.reserved_quantity -= quantity
    session.add(listing)
    if listing.status == ListingStatus.RESERVED:
        listing.status = ListingStatus.PUBLISHED
        await bump(session, None, listing, action="released", changed={"status"})
    else:
        await session.flush()


async def sell(session: AsyncSession, *, listing_id: uuid.UUID, quantity: int) -> None:
    """Units an order held are sold (completed order); SOLD when none is left."""
    listing = await _locked(session, listing_id)
    listing.reserved_quantity -= quantity
    listing.sold_quantity += quantity
    session.add(listing)
    if listing.sold_quantity >= listing.quantity and listing.status in (
        ListingStatus.RESERVED,
        ListingStatus.PUBLISHED,
    ):
        listing.status = ListingStatus.SOLD
        listing.closed_at = listing.updated_at
        await bump(session, None, listing, action="sold", changed={"status"})
    else:
        await session.flush()


async def _locked(session: AsyncSession, listing_id: uuid.UUID) -> Listing:
    return (
        await session.exec(
            select(Listing)
            .where(col(Listing.id) == listing_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()


async def _set_status(
    session: AsyncSession, listing_id: uuid.UUID, status: ListingStatus, *, action: str
) -> None:
    listing = await _locked(session, listing_id)
    listing.status = status
    await bump(session, None, listing, action=action, changed={"status"})
