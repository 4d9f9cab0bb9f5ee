"""GraphQL entry points of listings (queries and mutations)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from c2c_api.categories.graphql import ListingKindEnum
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.graphql.errors import UserError, mutation_payload
from c2c_api.graphql.permissions import requires
from c2c_api.graphql.relay import connection, decode_cursor, global_id_uuid
from c2c_api.listings import service
from c2c_api.listings.graphql import (
    ConditionEnum,
    ListingInterface,
    ListingStatusEnum,
    PriceUnitEnum,
    VisibilityEnum,
    listing_to_graphql,
)
from c2c_api.listings.ids import listing_uuid
from c2c_api.listings.models import Listing, ListingStatus

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


# --- inputs ------------------------------------------------------------------------------------
# Fields left out stay as they are (on create: the defaults); an explicit null clears a field.

Unset: Any = strawberry.UNSET


@strawberry.input(description="Where the listing is; the exact position is never shown.")
class LocationInput:
    city: str | None = Unset
    country: str | None = strawberry.field(
        default=Unset, description="ISO 3166-1 alpha-2 code (e.g. FR)."
    )
    latitude: float | None = strawberry.field(
        default=Unset, description="-90..90; shown only rounded to a ~1 km grid."
    )
    longitude: float | None = strawberry.field(default=Unset, description="-180..180.")


@strawberry.input(description="Shipping as a handover option.")
class ShippingInput:
    enabled: bool | None = Unset
    fee: int | None = strawberry.field(
        default=Unset, description="Minor units of the listing's currency; null: free."
    )
    carriers: list[str] | None = strawberry.field(
        default=Unset, description="At most 10 names, e.g. colissimo, mondial-relay."
    )


@strawberry.input(description="Meeting in person as a handover option.")
class MeetupInput:
    enabled: bool | None = Unset
    area: str | None = Unset


@strawberry.input(description="How the goods can change hands.")
class HandoverInput:
    shipping: ShippingInput | None = Unset
    meetup: MeetupInput | None = Unset


@strawberry.input(description="SALE: a fixed price; buyers may make offers if accepted.")
class SaleInput:
    price: int | None = strawberry.field(
        default=Unset, description="Minor units; required to publish."
    )
    accepts_offers: bool | None = Unset


@strawberry.input(description="AUCTION: bids until endsAt (at most 30 days ahead).")
class AuctionInput:
    start_price: int | None = strawberry.field(default=Unset, description="Required to publish.")
    reserve_price: int | None = strawberry.field(
        default=Unset, description="Secret minimum, at least the start price."
    )
    buy_now_price: int | None = strawberry.field(
        default=Unset, description="Above the start price (and at least the reserve)."
    )
    bid_increment: int | None = Unset
    ends_at: datetime | None = strawberry.field(default=Unset, description="Required to publish.")


@strawberry.input(description="RENTAL: a price per day and a deposit.")
class RentalInput:
    price_per_day: int | None = strawberry.field(default=Unset, description="Required to publish.")
    deposit: int | None = strawberry.field(default=Unset, description="0 or more.")
    min_days: int | None = Unset
    max_days: int | None = strawberry.field(default=Unset, description="At most 365.")


@strawberry.input(description="SERVICE: a price per job, hour or day.")
class ServiceInput:
    price: int | None = strawberry.field(default=Unset, description="Required to publish.")
    price_unit: PriceUnitEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=Unset, description="Required to publish."
    )
    duration_minutes: int | None = Unset


@strawberry.input(description="SWAP: what the owner would take in exchange.")
class SwapInput:
    swap_seeks: str | None = strawberry.field(default=Unset, description="Required to publish.")


@strawberry.input(description="GROUP_BUY: a unit price, a target quantity and a deadline.")
class GroupBuyInput:
    unit_price: int | None = strawberry.field(default=Unset, description="Required to publish.")
    target_quantity: int | None = strawberry.field(
        default=Unset, description="2 or more; required to publish."
    )
    ends_at: datetime | None = strawberry.field(
        default=Unset, description="The deadline (at most 90 days ahead); required to publish."
    )


@strawberry.input(description="WANTED: what the member means to pay at most.")
class WantedInput:
    budget: int | None = Unset


_KIND_INPUTS: dict[ListingKind, str] = {
    ListingKind.SALE: "sale",
    ListingKind.AUCTION: "auction",
    ListingKind.RENTAL: "rental",
    ListingKind.SERVICE: "service",
    ListingKind.SWAP: "swap",
    ListingKind.GROUP_BUY: "group_buy",
    ListingKind.WANTED: "wanted",
}
# Input field name -> column, where they differ.
_RENAMED = {("group_buy", "unit_price"): "price", ("wanted", "budget"): "price"}


@strawberry.input(
    description=(
        "The fields every kind shares, plus the details of the listing's kind in the sub-input "
        "named after it (sale, auction, rental, service, swap, groupBuy, wanted; a donation "
        "has none). Giving another kind's sub-input is an INVALID_INPUT error."
    )
)
class ListingFieldsInput:
    title: str | None = strawberry.field(default=Unset, description="1 to 120 characters.")
    description: str | None = strawberry.field(default=Unset, description="At most 10,000.")
    category: str | None = strawberry.field(
        default=Unset, description="Slug of a leaf category that accepts the kind."
    )
    condition: ConditionEnum | None = Unset  # type: ignore[valid-type]
    attributes: JSON | None = strawberry.field(
        default=Unset, description="{key: value} per the category's attribute schema."
    )
    quantity: int | None = strawberry.field(default=Unset, description="1 (auctions) or more.")
    currency: str | None = strawberry.field(default=Unset, description="ISO 4217, e.g. EUR.")
    visibility: VisibilityEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=Unset, description="STOREFRONT only for members who joined a storefront."
    )
    location: LocationInput | None = Unset
    handover: HandoverInput | None = Unset
    photo_ids: list[strawberry.ID] | None = strawberry.field(
        default=Unset, description="Uploaded photos in display order (replaces the set)."
    )
    sale: SaleInput | None = Unset
    auction: AuctionInput | None = Unset
    rental: RentalInput | None = Unset
    service: ServiceInput | None = Unset
    swap: SwapInput | None = Unset
    group_buy: GroupBuyInput | None = Unset
    wanted: WantedInput | None = Unset


@strawberry.input(description="A new draft listing.")
class CreateListingInput(ListingFieldsInput):
    kind: ListingKindEnum  # type: ignore[valid-type]


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET


def _flag(value: Any) -> bool:
    return bool(value)


_SUB_INPUT_KINDS = {attr: kind for kind, attr in _KIND_INPUTS.items()}


def _values(data: ListingFieldsInput) -> dict[str, Any]:
    """Translate the common fields into column values (only what was given; null stays null:
    the service decides what a null means for each column)."""
    values: dict[str, Any] = {}
    simple = {
        "title": "title",
        "description": "description",
        "category": "category_slug",
        "condition": "condition",
        "quantity": "quantity",
        "currency": "currency",
        "visibility": "visibility",
    }
    for attr, column in simple.items():
        value = getattr(data, attr)
        if _given(value):
            values[column] = value
    if _given(data.attributes):
        values["attributes"] = data.attributes if data.attributes is not None else {}
    if _given(data.location):
        loc = data.location
        if loc is None:
            values.update(city=None, country=None, latitude=None, longitude=None)
        else:
            for attr in ("city", "country", "latitude", "longitude"):
                if _given(getattr(loc, attr)):
                    values[attr] = getattr(loc, attr)
    if _given(data.handover) and data.handover is not None:
        shipping, meetup = data.handover.shipping, data.handover.meetup
        if _given(shipping) and shipping is not None:
            if _given(shipping.enabled):
                values["shipping_enabled"] = _flag(shipping.enabled)
            if _given(shipping.fee):
                values["shipping_fee"] = shipping.fee
            if _given(shipping.carriers):
                values["shipping_carriers"] = [c.strip() for c in shipping.carriers or []]
        if _given(meetup) and meetup is not None:
            if _given(meetup.enabled):
                values["meetup_enabled"] = _flag(meetup.enabled)
            if _given(meetup.area):
                values["meetup_area"] = meetup.area
    return values


def _details(data: ListingFieldsInput) -> dict[ListingKind, dict[str, Any]]:
    """The column values of every kind sub-input given; the service checks the kind."""
    details: dict[ListingKind, dict[str, Any]] = {}
    for attr, kind in _SUB_INPUT_KINDS.items():
        sub = getattr(data, attr)
        if not _given(sub) or sub is None:
            continue
        columns = details.setdefault(kind, {})
        for f in sub.__strawberry_definition__.fields:
            value = getattr(sub, f.python_name)
            if not _given(value):
                continue
            column = _RENAMED.get((attr, f.python_name), f.python_name)
            if column == "accepts_offers":
                value = _flag(value)
            columns[column] = value
    return details


def _photo_ids(data: ListingFieldsInput) -> list[uuid.UUID] | None:
    """The photos' UUIDs; an id that is not a Photo's is INVALID_ID on `photoIds.<index>`."""
    if not _given(data.photo_ids):
        return None
    return [
        global_id_uuid(gid, "Photo", field=f"photoIds.{index}")
        for index, gid in enumerate(data.photo_ids or [])
    ]


async def _lifecycle(
    info: Info,
    action: Callable[..., Awaitable[Listing]],
    id: strawberry.ID,
    expected_version: int | None,
) -> ListingPayload | None:
    """Run one lifecycle use case (publish, pause, resume, close) on a listing."""
    ctx: Context = info.context
    listing = await action(
        ctx.session, ctx.actor, listing_id=listing_uuid(id), expected_version=expected_version
    )
    return _ok(listing)


@strawberry.type(description="The listing as it is now.")
class ListingSuccess:
    listing: ListingInterface


ListingPayload = Annotated[ListingSuccess | UserError, strawberry.union("ListingPayload")]


def _ok(listing: Listing) -> ListingSuccess:
    return ListingSuccess(listing=listing_to_graphql(listing))


async def _listing_page(
    info: Info,
    list_page: Callable[..., Awaitable[Any]],
    scope: str,
    status: Any,
    first: int,
    after: str | None,
) -> relay.Connection[ListingInterface]:
    """One newest-first page of a listing list (the caller's, or the storefront's)."""
    ctx: Context = info.context
    page = await list_page(
        ctx.session,
        ctx.actor,
        status=ListingStatus(status.value) if status is not None else None,
        limit=first,
        after=decode_cursor(info, scope, after),
    )
    return connection(
        info,
        page,
        scope=scope,
        node=listing_to_graphql,
        key=lambda r: (r.created_at, r.id),
        after=after,
    )


# Keyset cursor scopes (c2c_api.kit.cursors): a cursor of one list is refused by the other.
MY_LISTINGS_SCOPE = "Query.myListings"
STOREFRONT_LISTINGS_SCOPE = "Query.storefrontListings"


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
    ) -> relay.Connection[ListingInterface] | None:
        return await _listing_page(
            info, service.list_my_listings, MY_LISTINGS_SCOPE, status, first, after
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
    ) -> relay.Connection[ListingInterface] | None:
        return await _listing_page(
            info,
            service.list_storefront_listings,
            STOREFRONT_LISTINGS_SCOPE,
            status,
            first,
            after,
        )


@strawberry.type
class ListingMutation:
    @strawberry.mutation(
        description="Create a draft listing of any kind (publish it with publishListing).",
        extensions=[requires("listings:write")],
    )
    @mutation_payload
    async def create_listing(self, info: Info, input: CreateListingInput) -> ListingPayload | None:
        ctx: Context = info.context
        listing = await service.create_listing(
            ctx.session,
            ctx.actor,
            kind=ListingKind(input.kind),
            values=_values(input),
            details=_details(input),
            photo_ids=_photo_ids(input),
        )
        return _ok(listing)

    @strawberry.mutation(
        description=(
            "Change some fields of your listing (draft, published or paused). Fails with "
            "VERSION_CONFLICT when `expectedVersion` is not the listing's current version."
        ),
        extensions=[requires("listings:write")],
    )
    @mutation_payload
    async def update_listing(
        self, info: Info, id: strawberry.ID, expected_version: int, input: ListingFieldsInput
    ) -> ListingPayload | None:
        ctx: Context = info.context
        listing = await service.update_listing(
            ctx.session,
            ctx.actor,
            listing_id=listing_uuid(id),
            expected_version=expected_version,
            values=_values(input),
            details=_details(input),
            photo_ids=_photo_ids(input),
        )
        return _ok(listing)

    @strawberry.mutation(
        description="Publish a complete draft (LISTING_INCOMPLETE names what is missing).",
        extensions=[requires("listings:write")],
    )
    @mutation_payload
    async def publish_listing(
        self, info: Info, id: strawberry.ID, expected_version: int | None = None
    ) -> ListingPayload | None:
        return await _lifecycle(info, service.publish_listing, id, expected_version)

    @strawberry.mutation(
        description="Hide a published listing for a while.",
        extensions=[requires("listings:write")],
    )
    @mutation_payload
    async def pause_listing(
        self, info: Info, id: strawberry.ID, expected_version: int | None = None
    ) -> ListingPayload | None:
        return await _lifecycle(info, service.pause_listing, id, expected_version)

    @strawberry.mutation(
        description="Show a paused listing again.", extensions=[requires("listings:write")]
    )
    @mutation_payload
    async def resume_listing(
        self, info: Info, id: strawberry.ID, expected_version: int | None = None
    ) -> ListingPayload | None:
        return await _lifecycle(info, service.resume_listing, id, expected_version)

    @strawberry.mutation(
        description="End your listing for good (draft, published or paused).",
        extensions=[requires("listings:write")],
    )
    @mutation_payload
    async def close_listing(
        self, info: Info, id: strawberry.ID, expected_version: int | None = None
    ) -> ListingPayload | None:
        return await _lifecycle(info, service.close_listing, id, expected_version)

    @strawberry.mutation(
        description=(
            "Take a listing down (operators with admin:moderation; a storefront's partner with "
            "partner:catalog for its own listings). The reason is kept in the history."
        ),
        extensions=[requires("admin:moderation", "partner:catalog")],
    )
    @mutation_payload
    async def remove_listing(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> ListingPayload | None:
        ctx: Context = info.context
        return _ok(
            await service.remove_listing(
                ctx.session, ctx.actor, listing_id=listing_uuid(id), reason=reason
            )
        )

    @strawberry.mutation(
        description="Undo a removal: the listing returns to its previous status.",
        extensions=[requires("admin:moderation", "partner:catalog")],
    )
    @mutation_payload
    async def restore_listing(self, info: Info, id: strawberry.ID) -> ListingPayload | None:
        ctx: Context = info.context
        return _ok(
            await service.restore_listing(ctx.session, ctx.actor, listing_id=listing_uuid(id))
        )
