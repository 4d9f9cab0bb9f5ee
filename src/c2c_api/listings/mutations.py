"""GraphQL entry points of listings (queries and mutations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api.graphql.permissions import requires
from c2c_api.listings import service
from c2c_api.listings.graphql import ListingInterface, ListingStatusEnum, listing_to_graphql
from c2c_api.listings.models import ListingStatus
from c2c_api.partners.graphql import connection, decode_cursor

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


@strawberry.type
class ListingQuery:
    @strawberry.field(
        description=(
            "The calling member's own listings in every status, newest first. A single "
            "listing is fetched with `node(id:)`."
        ),
        extensions=[requires("listings:write")],
    )
    async def my_listings(
        self,
        info: Info,
        status: ListingStatusEnum | None = None,  # type: ignore[valid-type]
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[ListingInterface]:
        ctx: Context = info.context
        page = await service.list_my_listings(
            ctx.session,
            ctx.actor,
            status=ListingStatus(status.value) if status is not None else None,
            limit=first,
            after=decode_cursor(after),
        )
        return connection(
            page, node=listing_to_graphql, key=lambda r: (r.created_at, r.id), after=after
        )

    @strawberry.field(
        description=(
            "Every listing of the calling partner's storefront (partner:catalog), newest first, "
            "removed ones included."
        ),
        extensions=[requires("partner:catalog")],
    )
    async def storefront_listings(
        self,
        info: Info,
        status: ListingStatusEnum | None = None,  # type: ignore[valid-type]
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[ListingInterface]:
        ctx: Context = info.context
        page = await service.list_storefront_listings(
            ctx.session,
            ctx.actor,
            status=ListingStatus(status.value) if status is not None else None,
            limit=first,
            after=decode_cursor(after),
        )
        return connection(
            page, node=listing_to_graphql, key=lambda r: (r.created_at, r.id), after=after
        )


@strawberry.type
class ListingMutation:
    pass
