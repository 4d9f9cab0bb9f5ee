"""The global ids of listings: one GraphQL type per kind (SaleListing, AuctionListing, ...).

A leaf of the listings adapter (it imports no GraphQL type), so that other domains' adapters
(favorites, questions, subscriptions) decode a listing id without importing the Listing types,
whose fields resolve through those domains. listings/graphql.py checks at import that these
names are its types' names.
"""

from __future__ import annotations

import uuid

from c2c_api.categories.taxonomy import ListingKind
from c2c_api.graphql.relay import global_id_uuid

LISTING_TYPE_NAMES: dict[ListingKind, str] = {
    ListingKind.SALE: "SaleListing",
    ListingKind.AUCTION: "AuctionListing",
    ListingKind.RENTAL: "RentalListing",
    ListingKind.SERVICE: "ServiceListing",
    ListingKind.SWAP: "SwapListing",
    ListingKind.DONATION: "DonationListing",
    ListingKind.GROUP_BUY: "GroupBuyListing",
    ListingKind.WANTED: "WantedListing",
}


def listing_uuid(gid: str, field: str = "id") -> uuid.UUID:
    """The UUID inside a listing's global id (any listing type); InvalidId for anything else
    (malformed, or the id of another type such as a Question)."""
    return global_id_uuid(gid, *LISTING_TYPE_NAMES.values(), field=field)
