"""Live listing changes: `listingChanged(id)` for anyone who may see the listing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry import relay
from strawberry.types import Info
from strawberry.types.base import get_object_definition

from c2c_api.authz import ListingPolicy
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.errors import NotFound
from c2c_api.graphql.live import channel_messages
from c2c_api.graphql.permissions import public
from c2c_api.listings.graphql import (
    LISTING_TYPES,
    ListingStatusEnum,
    MoneyType,
    money,
)
from c2c_api.listings.ids import listing_uuid
from c2c_api.listings.models import Listing

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


@strawberry.type(description="A listing's status, price or end time changed (after commit).")
class ListingChange:
    listing_id: strawberry.ID = strawberry.field(description="The listing's global id.")
    status: ListingStatusEnum  # type: ignore[valid-type]
    price: MoneyType | None = strawberry.field(
        description="The price as shown on the listing card (null when the kind has none)."
    )
    ends_at: datetime | None = strawberry.field(
        description="When the listing ends (auction end, or its expiry), if it does."
    )
    version: int = strawberry.field(description="The listing's version after the change.")


def global_listing_id(listing: Listing) -> str:
    type_name = get_object_definition(LISTING_TYPES[ListingKind(listing.kind)], strict=True).name
    return relay.to_base64(type_name, listing.id)


async def visible_listing(ctx: Context, listing_id: uuid.UUID) -> Listing | None:
    """The listing when the subscriber may see it now (a short read of its own)."""
    async with ctx.db.sessionmaker() as session:
        listing = await session.get(Listing, listing_id)
    if listing is None or not ListingPolicy.can_see(ctx.actor, listing):
        return None
    return listing


def change_of(listing: Listing, payload: dict[str, Any]) -> ListingChange:
    ends_at = payload.get("endsAt")
    return ListingChange(
        listing_id=strawberry.ID(global_listing_id(listing)),
        status=ListingPolicy.effective_status(listing),
        price=money(listing.sort_price, listing.currency),
        ends_at=datetime.fromisoformat(ends_at) if isinstance(ends_at, str) else None,
        version=int(payload.get("version") or listing.version),
    )


@strawberry.type
class ListingSubscription:
    @strawberry.subscription(
        description=(
            "Changes of a listing's status, price and end time, as they are committed. Open to "
            "anyone who may see the listing (NOT_FOUND otherwise); a change that makes it "
            "invisible to the subscriber (a draft again, removed) is not delivered."
        ),
        extensions=[public()],
    )
    async def listing_changed(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[ListingChange, None]:
        ctx: Context = info.context
        listing_id = listing_uuid(id)
        if await visible_listing(ctx, listing_id) is None:
            raise NotFound(fields=["id"])
        async for payload in channel_messages(ctx, f"listing:{listing_id}"):
            listing = await visible_listing(ctx, listing_id)
            if listing is not None:
                yield change_of(listing, payload)
