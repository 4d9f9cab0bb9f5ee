"""GraphQL types of listings: the `Listing` interface and one type per kind.

Entry points (queries and mutations) are in listings/mutations.py, re-exported at the bottom.
Relations resolve through request-scoped DataLoaders, so a page of listings costs a constant
number of SQL statements whatever its size.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.types.base import get_object_definition

from c2c_api.authz import ListingPolicy
from c2c_api.categories.graphql import (
    CategoryType,
    ListingKindEnum,
    loaded_catalog,
    request_catalog,
)
from c2c_api.categories.service import Catalog
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.graphql.loaders import loader, parse_node_ids, settle
from c2c_api.kit.money import CURRENCIES, Money
from c2c_api.listings import service
from c2c_api.listings.ids import LISTING_TYPE_NAMES
from c2c_api.listings.models import (
    Condition,
    Listing,
    ListingRevision,
    ListingStatus,
    PriceUnit,
    Visibility,
)

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context
    from c2c_api.partners.graphql import PartnerType
    from c2c_api.photos.graphql import PhotoType
    from c2c_api.questions.graphql import QuestionType
    from c2c_api.users.graphql import MemberType

ListingStatusEnum = strawberry.enum(
    ListingStatus,
    name="ListingStatus",
    description="Where a listing is in its lifecycle (docs/listings.md).",
)
ConditionEnum = strawberry.enum(Condition, name="Condition", description="State of the goods.")
VisibilityEnum = strawberry.enum(
    Visibility,
    name="Visibility",
    description="MARKETPLACE: everywhere; STOREFRONT: only in its storefront's searches.",
)
PriceUnitEnum = strawberry.enum(
    PriceUnit, name="PriceUnit", description="What a service's price covers."
)


# --- loaders -----------------------------------------------------------------------------------


async def _listings_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Listing]:
    return await service.get_visible_listings(ctx.session, ctx.actor, ids)


def listing_loader(info: Info) -> Any:
    """The request's loader of listings the caller may see (by id)."""
    return loader(info.context, "listings", _listings_batch)


async def _revisions_batch(
    ctx: Context, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ListingRevision]]:
    return await service.get_revisions(ctx.session, ids)


def _member_type(member: Any) -> Any:
    from c2c_api.users.graphql import MemberType

    return MemberType.from_model(member) if member is not None else None


# The Listing fields backed by a loader that `prime_card_relations` fills for a whole page.
CARD_RELATIONS = frozenset({"seller", "photos", "favoriteCount"})


async def prime_card_relations(
    info: Info, rows: Sequence[Listing], selected: Iterable[str]
) -> None:
    """Load the relations a page of cards selects (`selected`: the node's field names) before
    its cards resolve: the same statements the loaders would send, one per relation, and the
    card fields then answer synchronously (no coroutine and no task per card)."""
    from c2c_api.favorites.loaders import favorite_counts_loader
    from c2c_api.photos.graphql import listing_photos_loader
    from c2c_api.users.graphql import member_loader

    wanted = CARD_RELATIONS.intersection(selected)
    if not rows or not wanted:
        return
    ctx: Context = info.context
    ids = [r.id for r in rows]
    if "seller" in wanted:
        await member_loader(info).load_many(dict.fromkeys(r.seller_id for r in rows))
    if "photos" in wanted:
        await listing_photos_loader(ctx).load_many(ids)
    if "favoriteCount" in wanted:
        await favorite_counts_loader(ctx).load_many(ids)


# --- value types -------------------------------------------------------------------------------


@strawberry.type(
    name="Money",
    description="An amount in integer minor units (cents) of an ISO 4217 currency.",
)
class MoneyType:
    amount: int = strawberry.field(description="Minor units: 1250 EUR is 12.50 €.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    formatted: str = strawberry.field(
        description="Plain decimal text such as '12.50 EUR' (localise it in the front end)."
    )


def money(amount: int | None, currency: str) -> MoneyType | None:
    if amount is None or currency not in CURRENCIES:
        return None
    return MoneyType(amount=amount, currency=currency, formatted=Money(amount, currency).format())


@strawberry.type(description="A point on the globe (WGS 84 degrees).")
class GeoPoint:
    latitude: float
    longitude: float


@strawberry.type(name="ListingLocation", description="Where the listing is.")
class ListingLocation:
    city: str | None
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    approximate_position: GeoPoint | None = strawberry.field(
        description=(
            "The centre of the ~1 km grid cell holding the exact position, which is never "
            "shown. Stable across edits (no random jitter)."
        )
    )


@strawberry.type(description="Shipping as a handover option.")
class ShippingOption:
    enabled: bool
    fee: MoneyType | None = strawberry.field(description="Null: free or not offered.")
    carriers: list[str]


@strawberry.type(description="Meeting in person as a handover option.")
class MeetupOption:
    enabled: bool
    area: str | None = strawberry.field(description="Where the seller can meet (free text).")


@strawberry.type(description="How the goods can change hands.")
class Handover:
    shipping: ShippingOption
    meetup: MeetupOption


@strawberry.type(description="One attribute of a listing, with its label in the caller's language.")
class AttributeValue:
    key: str
    label: str
    value: JSON = strawberry.field(description="As stored (option code, integer, text, …).")
    display: str = strawberry.field(
        description="Human-readable, localised (option label, number with decimals and unit)."
    )


# Columns never shown, even in the edit history: the exact position.
_PRIVATE_SNAPSHOT_KEYS = frozenset({"latitude", "longitude"})


@strawberry.type(
    name="ListingRevision",
    description="One change of a listing, kept for disputes (owner, storefront, operators).",
)
class ListingRevisionType:
    version: int
    action: str = strawberry.field(
        description="created, updated, published, paused, resumed, closed, expired, removed, …"
    )
    changed_fields: list[str] = strawberry.field(description="camelCase names of what changed.")
    created_at: datetime
    actor_member_id: strawberry.ID | None = strawberry.field(
        description="Global id of the member who made the change (null: a partner or system)."
    )
    actor_partner_id: strawberry.ID | None
    snapshot: JSON = strawberry.field(
        description="The listing as it became (exact coordinates left out)."
    )

    @classmethod
    def from_model(cls, r: ListingRevision) -> ListingRevisionType:
        return cls(
            version=r.version,
            action=r.action,
            changed_fields=list(r.changed_fields),
            created_at=r.created_at,
            actor_member_id=(
                strawberry.ID(str(relay.GlobalID("Member", str(r.actor_member_id))))
                if r.actor_member_id
                else None
            ),
            actor_partner_id=(
                strawberry.ID(str(relay.GlobalID("Partner", str(r.actor_partner_id))))
                if r.actor_partner_id
                else None
            ),
            snapshot=cast(
                JSON, {k: v for k, v in r.snapshot.items() if k not in _PRIVATE_SNAPSHOT_KEYS}
            ),
        )


def _display(definition: Any, value: Any, locale: str) -> str:
    from c2c_api.categories.attributes import AttributeType

    if definition.type is AttributeType.ENUM:
        return definition.option_label(str(value), locale) or str(value)
    if definition.type is AttributeType.BOOLEAN:
        yes, no = ("oui", "non") if locale.startswith("fr") else ("yes", "no")
        return yes if value else no
    if definition.type in (AttributeType.INTEGER, AttributeType.DECIMAL):
        text = str(value)
        if definition.decimals and isinstance(value, int):
            sign = "-" if value < 0 else ""
            units, minor = divmod(abs(value), 10**definition.decimals)
            text = f"{sign}{units}.{minor:0{definition.decimals}d}"
        if definition.unit is not None:
            text = f"{text} {definition.unit.get(locale)}"
        return text
    return str(value)


# --- the interface and the types per kind ------------------------------------------------------


@strawberry.interface(
    name="Listing",
    description=(
        "Something offered or sought on the marketplace. Each kind has its own type with the "
        "fields it needs (SaleListing, AuctionListing, …): select them with inline fragments."
    ),
)
class ListingInterface(relay.Node):
    # Fields are declared in the order of the printed schema. Column copies are plain
    # attributes, filled by listing_to_graphql: strawberry reads those without building an
    # Info or calling a resolver (a search page resolves ~580 fields). Computed fields name
    # their resolver, defined just above them.
    id: relay.NodeID[uuid.UUID]
    _row: strawberry.Private[Listing]
    kind: ListingKindEnum = strawberry.field(  # type: ignore[valid-type]
        description="How a deal forms (one type per kind)."
    )

    def _status(self) -> ListingStatusEnum:  # type: ignore[valid-type]
        return ListingPolicy.effective_status(self._row)

    status: ListingStatusEnum = strawberry.field(  # type: ignore[valid-type]
        resolver=_status,
        description="Lifecycle status; a listing past its end reads EXPIRED at once.",
    )
    visibility: VisibilityEnum  # type: ignore[valid-type]
    title: str
    description: str

    def _category(self, info: Info) -> CategoryType | Awaitable[CategoryType | None] | None:
        # Synchronous when the request's tree is loaded (a search loads it first): an async
        # resolver costs a coroutine and a task per listing.
        catalog = loaded_catalog(info)
        if catalog is None:
            return self._category_later(info)
        return self._category_in(catalog, info.context.locale)

    async def _category_later(self, info: Info) -> CategoryType | None:
        return self._category_in(await request_catalog(info), info.context.locale)

    def _category_in(self, catalog: Catalog, locale: str) -> CategoryType | None:
        if self._row.category_slug not in catalog.taxonomy:
            return None
        return CategoryType.of(catalog, self._row.category_slug, locale)

    # The schema type is this annotation; the resolver may also return an awaitable of it.
    category: CategoryType | None = strawberry.field(  # type: ignore[assignment]
        resolver=_category, description="The category (names in the caller's language)."
    )
    condition: ConditionEnum | None  # type: ignore[valid-type]

    def _attributes(self) -> JSON:
        return cast(JSON, dict(self._row.attributes))

    attributes: JSON = strawberry.field(
        resolver=_attributes, description="Per-category attributes as stored: {key: value}."
    )

    async def _attribute_values(self, info: Info) -> list[AttributeValue]:
        catalog = await request_catalog(info)
        locale = info.context.locale
        if self._row.category_slug not in catalog.taxonomy:
            return []
        schema = catalog.taxonomy.schema_for(self._row.category_slug)
        out: list[AttributeValue] = []
        for key, definition in schema.items():
            if key in self._row.attributes:
                value = self._row.attributes[key]
                out.append(
                    AttributeValue(
                        key=key,
                        label=definition.label.get(locale),
                        value=value,
                        display=_display(definition, value, locale),
                    )
                )
        return out

    attribute_values: list[AttributeValue] = strawberry.field(
        resolver=_attribute_values,
        description="The attributes with labels, in the category's order.",
    )
    quantity: int = strawberry.field(description="Units available (an auction offers exactly one).")
    currency: str = strawberry.field(description="ISO 4217 code of every amount of the listing.")
    display_price: MoneyType | None = strawberry.field(
        description=(
            "The amount to show on a card and to sort by, whatever the kind: the price, the "
            "start price, the price per day, the unit price or the budget; null for swaps and "
            "donations."
        )
    )
    ends_at: datetime | None = strawberry.field(
        description="End of an auction, deadline of a group buy; else null."
    )
    location: ListingLocation

    def _handover(self) -> Handover:
        r = self._row
        return Handover(
            shipping=ShippingOption(
                enabled=r.shipping_enabled,
                fee=money(r.shipping_fee, r.currency),
                carriers=list(r.shipping_carriers),
            ),
            meetup=MeetupOption(enabled=r.meetup_enabled, area=r.meetup_area),
        )

    handover: Handover = strawberry.field(resolver=_handover)

    # seller, photos and favoriteCount are synchronous when the page primed their loaders
    # (prime_card_relations; a search does), else they return an awaitable.
    def _seller(self, info: Info) -> Any:
        from c2c_api.users.graphql import member_loader

        return settle(member_loader(info).load(self._row.seller_id), _member_type)

    seller: Annotated[MemberType, strawberry.lazy("c2c_api.users.graphql")] | None = (
        strawberry.field(resolver=_seller, description="The member who offers it.")
    )

    async def _storefront(
        self, info: Info
    ) -> Annotated[PartnerType, strawberry.lazy("c2c_api.partners.graphql")] | None:
        from c2c_api.partners.graphql import PartnerType

        return await PartnerType.for_id(info, self._row.partner_id)

    storefront: Annotated[PartnerType, strawberry.lazy("c2c_api.partners.graphql")] | None = (
        strawberry.field(
            resolver=_storefront,
            description="The partner storefront it was listed through, if any.",
        )
    )
    version: int = strawberry.field(
        description="Increases with every change: send it as `expectedVersion`."
    )
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    closed_at: datetime | None
    expires_at: datetime | None = strawberry.field(
        description="When it stops being shown unless renewed."
    )

    def _viewer_is_owner(self, info: Info) -> bool:
        return ListingPolicy.is_owner(info.context.actor, self._row)

    viewer_is_owner: bool = strawberry.field(
        resolver=_viewer_is_owner, description="Whether the caller is the seller."
    )

    async def _history(self, info: Info, first: int = 20) -> list[ListingRevisionType] | None:
        ctx: Context = info.context
        if not ListingPolicy.can_see_history(ctx.actor, self._row):
            return None
        revisions = await loader(ctx, "listing_revisions", _revisions_batch).load(self._row.id)
        first = max(0, min(first, 100))
        return [ListingRevisionType.from_model(r) for r in (revisions or [])[:first]]

    history: list[ListingRevisionType] | None = strawberry.field(
        resolver=_history,
        description=(
            "The edit history, newest first: for the owner, the storefront's partner and "
            "operators; null for everyone else."
        ),
    )

    def _photos(self, info: Info) -> Any:
        from c2c_api.photos.graphql import listing_photos

        return listing_photos(info, self._row.id)

    photos: list[Annotated[PhotoType, strawberry.lazy("c2c_api.photos.graphql")]] = (
        strawberry.field(
            resolver=_photos,
            description="Photos in the seller's order (the first is the cover).",
        )
    )

    async def _questions(
        self, info: Info, first: int = 10, after: str | None = None
    ) -> relay.Connection[Annotated[QuestionType, strawberry.lazy("c2c_api.questions.graphql")]]:
        from c2c_api.questions.graphql import listing_questions

        return await listing_questions(info, self._row.id, first, after)

    questions: relay.Connection[
        Annotated[QuestionType, strawberry.lazy("c2c_api.questions.graphql")]
    ] = strawberry.field(
        resolver=_questions,
        description="Public questions and the seller's answers, newest first.",
    )

    def _favorite_count(self, info: Info) -> Any:
        from c2c_api.favorites.loaders import favorite_count

        return favorite_count(info, self._row.id)

    favorite_count: int = strawberry.field(
        resolver=_favorite_count, description="How many members watch it."
    )

    async def _viewer_has_favorited(self, info: Info) -> bool | None:
        from c2c_api.favorites.loaders import viewer_has_favorited

        return await viewer_has_favorited(info, self._row.id)

    viewer_has_favorited: bool | None = strawberry.field(
        resolver=_viewer_has_favorited,
        description="Whether the calling member watches it (null: anonymous).",
    )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[ListingInterface | None]:
        ids = parse_node_ids(node_ids)
        load = listing_loader(info)

        async def one(i: uuid.UUID | None) -> Listing | None:
            return await load.load(i) if i is not None else None

        rows = await asyncio.gather(*(one(i) for i in ids))
        out: list[ListingInterface | None] = []
        for row in rows:
            node = listing_to_graphql(row) if row is not None else None
            # A global id names the concrete type: SaleListing:<id> finds only a sale.
            out.append(node if node is not None and isinstance(node, cls) else None)
        return out


@strawberry.type(description="Goods for sale at a fixed price; buyers may make offers.")
class SaleListing(ListingInterface):
    @strawberry.field
    def price(self) -> MoneyType | None:
        return money(self._row.price, self._row.currency)

    @strawberry.field(description="Whether the seller takes offers below the price.")
    def accepts_offers(self) -> bool:
        return self._row.accepts_offers


@strawberry.type(description="Goods sold to the highest bidder when the auction ends.")
class AuctionListing(ListingInterface):
    @strawberry.field
    def start_price(self) -> MoneyType | None:
        return money(self._row.start_price, self._row.currency)

    @strawberry.field(
        description=(
            "The secret minimum: shown to the owner, the storefront's partner and operators "
            "only (null for everyone else; see hasReserve)."
        )
    )
    def reserve_price(self, info: Info) -> MoneyType | None:
        r = self._row
        if not ListingPolicy.can_see_history(info.context.actor, r):
            return None
        return money(r.reserve_price, r.currency)

    @strawberry.field(description="Whether the auction has a reserve price.")
    def has_reserve(self) -> bool:
        return self._row.reserve_price is not None

    @strawberry.field(description="Price that ends the auction at once, if any.")
    def buy_now_price(self) -> MoneyType | None:
        return money(self._row.buy_now_price, self._row.currency)

    @strawberry.field(description="The smallest raise between bids.")
    def bid_increment(self) -> MoneyType | None:
        return money(self._row.bid_increment, self._row.currency)


@strawberry.type(description="Goods lent for a number of days against a price and a deposit.")
class RentalListing(ListingInterface):
    @strawberry.field
    def price_per_day(self) -> MoneyType | None:
        return money(self._row.price_per_day, self._row.currency)

    @strawberry.field(description="Held during the rental, released when the goods return.")
    def deposit(self) -> MoneyType | None:
        return money(self._row.deposit, self._row.currency)

    @strawberry.field
    def min_days(self) -> int | None:
        return self._row.min_days

    @strawberry.field
    def max_days(self) -> int | None:
        return self._row.max_days


@strawberry.type(description="A service booked for a time slot (jobbing).")
class ServiceListing(ListingInterface):
    @strawberry.field
    def price(self) -> MoneyType | None:
        return money(self._row.price, self._row.currency)

    @strawberry.field(description="What the price covers: the job, an hour or a day.")
    def price_unit(self) -> PriceUnitEnum | None:  # type: ignore[valid-type]
        return self._row.price_unit

    @strawberry.field
    def duration_minutes(self) -> int | None:
        return self._row.duration_minutes


@strawberry.type(description="Goods offered in exchange for other goods.")
class SwapListing(ListingInterface):
    @strawberry.field(description="What the owner would take in exchange.")
    def swap_seeks(self) -> str | None:
        return self._row.swap_seeks


@strawberry.type(description="Goods given away for free; the giver chooses among requests.")
class DonationListing(ListingInterface):
    pass


@strawberry.type(description="Units sold together once enough pledges reach the target.")
class GroupBuyListing(ListingInterface):
    @strawberry.field(description="The price of one unit.")
    def unit_price(self) -> MoneyType | None:
        return money(self._row.price, self._row.currency)

    @strawberry.field(description="Units to pledge before the deadline for the deal to happen.")
    def target_quantity(self) -> int | None:
        return self._row.target_quantity


@strawberry.type(description="A request: the member looks for something and sellers answer.")
class WantedListing(ListingInterface):
    @strawberry.field(description="The most the member means to pay.")
    def budget(self) -> MoneyType | None:
        return money(self._row.price, self._row.currency)


LISTING_TYPES: dict[ListingKind, type[ListingInterface]] = {
    ListingKind.SALE: SaleListing,
    ListingKind.AUCTION: AuctionListing,
    ListingKind.RENTAL: RentalListing,
    ListingKind.SERVICE: ServiceListing,
    ListingKind.SWAP: SwapListing,
    ListingKind.DONATION: DonationListing,
    ListingKind.GROUP_BUY: GroupBuyListing,
    ListingKind.WANTED: WantedListing,
}

if {k: get_object_definition(t, strict=True).name for k, t in LISTING_TYPES.items()} != (
    LISTING_TYPE_NAMES
):
    raise RuntimeError("listings/ids.py LISTING_TYPE_NAMES differs from the Listing types")


def listing_to_graphql(listing: Listing) -> ListingInterface:
    """The GraphQL object of the listing's kind (callers have checked the caller may see it)."""
    point = None
    if listing.public_latitude is not None and listing.public_longitude is not None:
        point = GeoPoint(latitude=listing.public_latitude, longitude=listing.public_longitude)
    return LISTING_TYPES[ListingKind(listing.kind)](
        id=listing.id,
        _row=listing,
        kind=listing.kind,
        visibility=listing.visibility,
        title=listing.title,
        description=listing.description,
        condition=listing.condition,
        quantity=listing.quantity,
        currency=listing.currency,
        display_price=money(listing.sort_price, listing.currency),
        ends_at=listing.ends_at,
        location=ListingLocation(
            city=listing.city, country=listing.country, approximate_position=point
        ),
        version=listing.version,
        created_at=listing.created_at,
        updated_at=listing.updated_at,
        published_at=listing.published_at,
        closed_at=listing.closed_at,
        expires_at=listing.expires_at,
    )


__all__ = [
    "LISTING_TYPES",
    "AuctionListing",
    "DonationListing",
    "GroupBuyListing",
    "ListingInterface",
    "MoneyType",
    "RentalListing",
    "SaleListing",
    "ServiceListing",
    "SwapListing",
    "WantedListing",
    "listing_loader",
    "listing_to_graphql",
    "money",
    "prime_card_relations",
]
