"""Search use cases: listing search, saved searches, and matching new listings to saved searches."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.listings.models import Listing


async def on_listing_published(session: AsyncSession, listing: Listing) -> None:
    """Record a "saved_search.matched" event for each saved search the new listing matches.

    Called by the listings service in the transaction that publishes the listing.
    (First version: the interface only; matching lands in the next commits.)
    """
    return None
