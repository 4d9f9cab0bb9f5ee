"""Live saved-search matches: `savedSearchMatched` for the viewer's own saved searches."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api import authz
from c2c_api.graphql.live import channel_messages
from c2c_api.graphql.permissions import requires
from c2c_api.listings.subscriptions import global_listing_id, visible_listing

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


@strawberry.type(description="A newly published listing matches one of your saved searches.")
class SavedSearchMatch:
    saved_search_id: strawberry.ID = strawberry.field(description="The SavedSearch's global id.")
    saved_search_name: str
    listing_id: strawberry.ID = strawberry.field(description="The listing's global id.")
    listing_title: str


@strawberry.type
class SearchSubscription:
    @strawberry.subscription(
        description=(
            "Listings newly published that match one of the viewer's saved searches with "
            "notifications on, as the matching job finds them (docs/worker.md)."
        ),
        extensions=[requires("account:read")],
    )
    async def saved_search_matched(self, info: Info) -> AsyncGenerator[SavedSearchMatch, None]:
        ctx: Context = info.context
        member_id = authz.require_member(ctx.actor)
        async for payload in channel_messages(ctx, f"member:{member_id}"):
            if payload.get("memberId") != str(member_id):
                continue
            try:
                listing_id = uuid.UUID(str(payload.get("listingId")))
            except ValueError:
                continue
            listing = await visible_listing(ctx, listing_id)
            if listing is None:
                continue
            yield SavedSearchMatch(
                saved_search_id=strawberry.ID(
                    relay.to_base64("SavedSearch", str(payload.get("savedSearchId")))
                ),
                saved_search_name=str(payload.get("savedSearchName", "")),
                listing_id=strawberry.ID(global_listing_id(listing)),
                listing_title=listing.title,
            )
