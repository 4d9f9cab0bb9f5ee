"""Listings: the domain's use cases, one import for transports and other domains.

The code lives in cohesive modules; this module re-exports their public names:

- `reads`       visibility (effective status, who sees what), direct fetches, history, lists
- `validation`  limits, the fields of each kind, validation, derived columns (public position)
- `revisions`   how every write is framed: row lock, version check, owner check, revision
- `editing`     create and update (fields and photos)
- `lifecycle`   publish, pause, resume, close; moderation (remove, restore); expiry

Each write locks the row (SELECT … FOR UPDATE on PostgreSQL; SQLite writers hold the database
lock), checks `expectedVersion`, validates the listing as it would become, bumps `version` and
writes a ListingRevision (snapshot, changed fields, actor) in the same transaction.
"""

from __future__ import annotations

from c2c_api.authz import ENDING_STATUSES
from c2c_api.listings.editing import create_listing, update_listing
from c2c_api.listings.lifecycle import (
    close_listing,
    expire_due_listings,
    expire_listing,
    pause_listing,
    publish_listing,
    remove_listing,
    restore_listing,
    resume_listing,
)
from c2c_api.listings.reads import (
    get_revisions,
    get_visible_listings,
    list_my_listings,
    list_storefront_listings,
)
from c2c_api.listings.validation import (
    AUCTION_MAX_DURATION,
    COMMON_FIELDS,
    EDITABLE,
    GRID_DEGREES,
    GROUP_BUY_MAX_DURATION,
    KIND_FIELDS,
    LISTING_LIFETIME,
    MAX_DESCRIPTION,
    MAX_TITLE,
    REQUIRED_TO_PUBLISH,
    approximate_position,
    compute_sort_price,
    field_name,
)

__all__ = [
    "AUCTION_MAX_DURATION",
    "COMMON_FIELDS",
    "EDITABLE",
    "ENDING_STATUSES",
    "GRID_DEGREES",
    "GROUP_BUY_MAX_DURATION",
    "KIND_FIELDS",
    "LISTING_LIFETIME",
    "MAX_DESCRIPTION",
    "MAX_TITLE",
    "REQUIRED_TO_PUBLISH",
    "approximate_position",
    "close_listing",
    "compute_sort_price",
    "create_listing",
    "expire_due_listings",
    "expire_listing",
    "field_name",
    "get_revisions",
    "get_visible_listings",
    "list_my_listings",
    "list_storefront_listings",
    "pause_listing",
    "publish_listing",
    "remove_listing",
    "restore_listing",
    "resume_listing",
    "update_listing",
]
