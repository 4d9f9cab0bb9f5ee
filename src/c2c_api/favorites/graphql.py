"""GraphQL entry points of favorites (the watchlist): myFavorites, addFavorite, removeFavorite.

The Listing interface's favoriteCount and viewerHasFavorited fields resolve through
favorites/loaders.py, which imports no listing type (so the Listing types may use it).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api.favorites import service
from c2c_api.graphql.errors import UserError, mutation_payload
from c2c_api.graphql.permissions import requires
from c2c_api.graphql.relay import decode_cursor, encode_cursor
from c2c_api.listings.graphql import ListingInterface, listing_to_graphql
from c2c_api.listings.ids import listing_uuid as _listing_uuid

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


def listing_uuid(global_id: str, field: str = "listingId") -> uuid.UUID:
    """The UUID inside a listing's global id (any listing type); INVALID_ID when malformed or
    the id of another type."""
    return _listing_uuid(global_id, field)


@strawberry.type(description="The listing is in the caller's favorites (adding twice is fine).")
class AddFavoriteSuccess:
    listing: ListingInterface
    favorite_count: int = strawberry.field(description="Members watching the listing now.")


AddFavoritePayload = Annotated[
    AddFavoriteSuccess | UserError, strawberry.union("AddFavoritePayload")
]


@strawberry.type(description="The listing is not in the caller's favorites (any more).")
class RemoveFavoriteSuccess:
    listing_id: relay.GlobalID = strawberry.field(description="The listing, as given.")
    favorite_count: int = strawberry.field(description="Members watching the listing now.")


RemoveFavoritePayload = Annotated[
    RemoveFavoriteSuccess | UserError, strawberry.union("RemoveFavoritePayload")
]


async def _count_now(ctx: Context, listing_id: uuid.UUID) -> int:
    counts = await service.favorite_counts(ctx.session, [listing_id])
    return counts.get(listing_id, 0)


MY_FAVORITES_SCOPE = "Query.myFavorites"
"""The keyset cursor scope of myFavorites (c2c_api.kit.cursors)."""


@strawberry.type
class FavoriteQuery:
    @strawberry.field(
        description=(
            "The calling member's favorites (watchlist), most recently added first; listings "
            "the caller can no longer see are left out."
        ),
        extensions=[requires("account:read")],
    )
    async def my_favorites(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> relay.Connection[ListingInterface] | None:
        ctx: Context = info.context
        rows, has_next = await service.list_my_favorites(
            ctx.session,
            ctx.actor,
            limit=first,
            after=decode_cursor(info, MY_FAVORITES_SCOPE, after),
        )
        edges = [
            relay.Edge(
                node=listing_to_graphql(listing),
                cursor=encode_cursor(info, MY_FAVORITES_SCOPE, fav.created_at, fav.listing_id),
            )
            for fav, listing in rows
        ]
        return relay.Connection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


@strawberry.type
class FavoriteMutation:
    @strawberry.mutation(
        description=(
            "Add a listing the caller can see to their favorites (watchlist). Idempotent."
        ),
        extensions=[requires("account:write")],
    )
    @mutation_payload
    async def add_favorite(
        self, info: Info, listing_id: strawberry.ID
    ) -> AddFavoritePayload | None:
        ctx: Context = info.context
        ident = listing_uuid(listing_id)
        listing = await service.add_favorite(ctx.session, ctx.actor, listing_id=ident)
        count = await _count_now(ctx, ident)
        return AddFavoriteSuccess(listing=listing_to_graphql(listing), favorite_count=count)

    @strawberry.mutation(
        description="Remove a listing from the caller's favorites. Idempotent.",
        extensions=[requires("account:write")],
    )
    @mutation_payload
    async def remove_favorite(
        self, info: Info, listing_id: strawberry.ID
    ) -> RemoveFavoritePayload | None:
        ctx: Context = info.context
        ident = listing_uuid(listing_id)
        await service.remove_favorite(ctx.session, ctx.actor, listing_id=ident)
        return RemoveFavoriteSuccess(
            listing_id=relay.GlobalID.from_id(listing_id),
            favorite_count=await _count_now(ctx, ident),
        )
