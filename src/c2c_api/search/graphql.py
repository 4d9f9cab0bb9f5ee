"""GraphQL entry points of search: `listings` (with facets) and saved searches.

Filters and sorts are documented in docs/search.md; every bad input is a typed error
(`extensions.code` on queries, a `UserError` in mutation payloads).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from sqlmodel import col, select
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from c2c_api.categories.graphql import CategoryType, ListingKindEnum, request_catalog
from c2c_api.graphql.errors import UserError, mutation_payload
from c2c_api.graphql.loaders import parse_node_ids, selected_under
from c2c_api.graphql.permissions import public, requires
from c2c_api.graphql.relay import connection, decode_cursor, global_id_uuid
from c2c_api.kit.keyset import Page
from c2c_api.listings.graphql import (
    ConditionEnum,
    ListingInterface,
    listing_to_graphql,
    prime_card_relations,
)
from c2c_api.search import service
from c2c_api.search.filters import DEFAULT_PAGE_SIZE, DEFAULT_RADIUS_KM, Sort
from c2c_api.search.models import SavedSearch

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

ListingSortEnum = strawberry.enum(
    Sort,
    name="ListingSort",
    description=(
        "Order of search results. RELEVANCE (the default with a query; without one it reads as "
        "NEWEST), NEWEST (published last first; the default without a query), PRICE_ASC and "
        "PRICE_DESC (listings without a price count as 0), ENDING_SOONEST (only listings with "
        "an end: auctions, group buys), NEAREST (needs filter.near)."
    ),
)


@strawberry.input(description="A circle on the globe: listings whose approximate position is in.")
class NearInput:
    latitude: float = strawberry.field(description="-90 to 90 degrees (WGS 84).")
    longitude: float = strawberry.field(description="-180 to 180 degrees (WGS 84).")
    radius_km: float = strawberry.field(
        default=DEFAULT_RADIUS_KM, description="Above 0, at most 500 km."
    )


@strawberry.input(
    description=(
        "What to show; every field narrows the results (AND), lists are alternatives (OR). "
        "Without `storefront`, only MARKETPLACE listings are shown."
    )
)
class ListingFilter:
    kinds: list[ListingKindEnum] | None = None  # type: ignore[valid-type]
    category: str | None = strawberry.field(
        default=None, description="A category slug: the category and all its descendants."
    )
    currency: str | None = strawberry.field(
        default=None,
        description="ISO 4217 code: listings in this currency; required with a price bound.",
    )
    min_price: int | None = strawberry.field(
        default=None, description="Lowest price in minor units (inclusive), 0 to 10^9."
    )
    max_price: int | None = strawberry.field(
        default=None, description="Highest price in minor units (inclusive), 0 to 10^9."
    )
    conditions: list[ConditionEnum] | None = None  # type: ignore[valid-type]
    near: NearInput | None = None
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 code, such as FR."
    )
    storefront: str | None = strawberry.field(
        default=None,
        description=(
            "A partner's global id or slug: that storefront's listings, including those kept "
            "to the storefront (STOREFRONT visibility)."
        ),
    )
    seller: strawberry.ID | None = strawberry.field(
        default=None, description="A member's global id: that member's listings."
    )
    attributes: JSON | None = strawberry.field(
        default=None,
        description=(
            'Equality on per-category attributes, e.g. {"frame_size": "m"}; needs `category`; '
            "at most 20 keys, validated against the category's schema."
        ),
    )


def filter_to_dict(f: ListingFilter | None) -> dict[str, Any]:
    """The input as the service's JSON-like dict (camelCase keys, as in the schema)."""
    if f is None:
        return {}
    out: dict[str, Any] = {}
    for key, value in (
        ("kinds", f.kinds),
        ("category", f.category),
        ("currency", f.currency),
        ("minPrice", f.min_price),
        ("maxPrice", f.max_price),
        ("conditions", f.conditions),
        ("country", f.country),
        ("storefront", f.storefront),
        ("seller", f.seller),
        ("attributes", f.attributes),
    ):
        if value is None:
            continue
        if isinstance(value, list):
            items: list[Any] = value
            value = [v.value if isinstance(v, Enum) else v for v in items]
        out[key] = value
    if f.near is not None:
        out["near"] = {
            "latitude": f.near.latitude,
            "longitude": f.near.longitude,
            "radiusKm": f.near.radius_km,
        }
    return out


# --- the search connection ---------------------------------------------------------------------


@strawberry.type(name="ListingSearchEdge")
class ListingSearchEdge:
    cursor: str = strawberry.field(description="Opaque and signed; pass it as `after`.")
    node: ListingInterface


@strawberry.type(name="KindFacet")
class KindFacet:
    kind: ListingKindEnum  # type: ignore[valid-type]
    count: int


@strawberry.type(name="ConditionFacet")
class ConditionFacet:
    condition: ConditionEnum  # type: ignore[valid-type]
    count: int


@strawberry.type(name="CategoryFacet")
class CategoryFacet:
    category: CategoryType
    count: int


@strawberry.type(
    name="PriceBucketFacet",
    description="Listings priced in [min, max) minor units of `currency` (max null: no bound).",
)
class PriceBucketFacet:
    currency: str
    min: int
    max: int | None
    count: int


@strawberry.type(
    name="ListingFacets",
    description=(
        "Counts for the same query and filters. `kinds`, `conditions` and `priceBuckets` each "
        "ignore their own filter (they say what choosing another value would give); "
        "`categories` counts the top-level categories, or the direct children of "
        "filter.category, with every filter applied."
    ),
)
class ListingFacets:
    kinds: list[KindFacet]
    conditions: list[ConditionFacet]
    categories: list[CategoryFacet]
    price_buckets: list[PriceBucketFacet]


@strawberry.type(
    name="ListingSearchConnection",
    description="A page of search results; facets and counts cost a statement each, if asked.",
)
class ListingSearchConnection:
    edges: list[ListingSearchEdge]
    page_info: relay.PageInfo
    _prepared: strawberry.Private[service.PreparedSearch]
    _count: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The listings of this page (the edges' nodes).")
    def nodes(self) -> list[ListingInterface]:
        return [e.node for e in self.edges]

    async def _counted(self, info: Info) -> tuple[int, bool]:
        task = self._count.get("task")
        if task is None:
            ctx: Context = info.context
            task = asyncio.ensure_future(service.count_listings(ctx.session, self._prepared))
            self._count["task"] = task
        result: tuple[int, bool] = await task
        return result

    @strawberry.field(
        description="Number of matching listings, counted up to 1000 (see totalCountIsCapped)."
    )
    async def total_count(self, info: Info) -> int:
        return (await self._counted(info))[0]

    @strawberry.field(description="True when there are more than 1000 matches (show '1000+').")
    async def total_count_is_capped(self, info: Info) -> bool:
        return (await self._counted(info))[1]

    @strawberry.field(
        description=(
            "Counts per kind, condition, category and price bucket. Null, with a "
            "SEARCH_LIMIT_EXCEEDED error on this field (extensions.limit), when the search "
            "matches more listings than facets are counted for (20,000): narrow it first."
        )
    )
    async def facets(self, info: Info) -> ListingFacets | None:
        ctx: Context = info.context
        facets = await service.listing_facets(ctx.session, self._prepared)
        catalog = await request_catalog(info)
        return ListingFacets(
            kinds=[KindFacet(kind=c.value, count=c.count) for c in facets.kinds],
            conditions=[
                ConditionFacet(condition=c.value, count=c.count) for c in facets.conditions
            ],
            categories=[
                CategoryFacet(category=CategoryType.of(catalog, c.slug, ctx.locale), count=c.count)
                for c in facets.categories
                if c.slug in catalog.taxonomy
            ],
            price_buckets=[
                PriceBucketFacet(currency=b.currency, min=b.min, max=b.max, count=b.count)
                for b in facets.price_buckets
            ],
        )


# --- saved searches ----------------------------------------------------------------------------


@strawberry.type(name="SavedSearch", description="A member's saved search (visible to them only).")
class SavedSearchType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    name: str
    query: str = strawberry.field(description="The words searched, normalised; may be empty.")
    filter: JSON = strawberry.field(
        description="The ListingFilter, canonical: pass it back to `listings(filter:)`."
    )
    notify: bool = strawberry.field(
        description='Whether a new matching listing records a "saved_search.matched" event.'
    )
    created_at: datetime
    last_matched_at: datetime | None

    @classmethod
    def from_model(cls, s: SavedSearch) -> SavedSearchType:
        return cls(
            id=s.id,
            name=s.name,
            query=s.query,
            filter=cast(Any, s.filter),
            notify=s.notify,
            created_at=s.created_at,
            last_matched_at=s.last_matched_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[SavedSearchType | None]:
        ctx: Context = info.context
        ids = parse_node_ids(node_ids)
        found: dict[uuid.UUID, SavedSearch] = {}
        wanted = [i for i in ids if i is not None]
        if ctx.actor.member_id is not None and wanted:
            rows = await ctx.session.exec(
                select(SavedSearch).where(
                    col(SavedSearch.id).in_(wanted),
                    col(SavedSearch.member_id) == ctx.actor.member_id,
                )
            )
            found = {r.id: r for r in rows}
        return [cls.from_model(found[i]) if i is not None and i in found else None for i in ids]


@strawberry.input(description="A search to save (validated like `listings`).")
class SaveSearchInput:
    name: str = strawberry.field(description="1 to 100 characters.")
    query: str | None = strawberry.field(default=None, description="At most 200 characters.")
    filter: ListingFilter | None = None
    notify: bool = strawberry.field(
        default=True, description="Record an event when a new listing matches."
    )


@strawberry.type(description="The search was saved.")
class SaveSearchSuccess:
    saved_search: SavedSearchType


@strawberry.type(description="The saved search was deleted.")
class DeleteSavedSearchSuccess:
    deleted_id: relay.GlobalID


SaveSearchPayload = Annotated[SaveSearchSuccess | UserError, strawberry.union("SaveSearchPayload")]
DeleteSavedSearchPayload = Annotated[
    DeleteSavedSearchSuccess | UserError, strawberry.union("DeleteSavedSearchPayload")
]


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description=(
            "Search published listings: full text over title and description, filters, sorts, "
            "facets, keyset pagination (first at most 50). Open to anonymous visitors. Bad input "
            "is an error with extensions.code (INVALID_CURSOR, SEARCH_LIMIT_EXCEEDED, "
            "CURRENCY_REQUIRED, COORDINATES_OUT_OF_RANGE, CATEGORY_UNKNOWN, ATTRIBUTE_UNKNOWN, "
            "ATTRIBUTE_INVALID, INVALID_INPUT); see docs/search.md."
        ),
        extensions=[public()],
    )
    async def listings(
        self,
        info: Info,
        query: str | None = None,
        filter: ListingFilter | None = None,
        sort: ListingSortEnum | None = None,  # type: ignore[valid-type]
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> ListingSearchConnection | None:
        ctx: Context = info.context
        # Load the request's category tree first: the nodes' `category` fields then share it.
        catalog = await request_catalog(info)
        result = await service.search_listings(
            ctx.session,
            ctx.actor,
            query=query,
            filter=filter_to_dict(filter),
            sort=sort,
            first=first,
            after=after,
            secret=ctx.settings.secret_key,
            taxonomy=catalog.taxonomy,
        )
        await prime_card_relations(info, result.listings, selected_under(info, "edges", "node"))
        edges = [
            ListingSearchEdge(cursor=c, node=listing_to_graphql(row))
            for row, c in zip(result.listings, result.cursors, strict=True)
        ]
        return ListingSearchConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=result.has_next,
                has_previous_page=result.has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            _prepared=result.prepared,
            _count={},
        )

    @strawberry.field(
        description="The calling member's saved searches, newest first.",
        extensions=[requires("account:read")],
    )
    async def saved_searches(
        self, info: Info, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> relay.Connection[SavedSearchType] | None:
        ctx: Context = info.context
        page = await service.list_saved_searches(
            ctx.session,
            ctx.actor,
            limit=first,
            after=decode_cursor(info, "Query.savedSearches", after),
        )
        return connection(
            info,
            Page(items=page.items, has_next=page.has_next),
            scope="Query.savedSearches",
            node=SavedSearchType.from_model,
            key=lambda s: (s.created_at, s.id),
            after=after,
        )


@strawberry.type
class SearchMutation:
    @strawberry.mutation(
        description="Save a search; new matching listings then record an event for you.",
        extensions=[requires("account:write")],
    )
    @mutation_payload
    async def save_search(self, info: Info, input: SaveSearchInput) -> SaveSearchPayload | None:
        ctx: Context = info.context
        saved = await service.save_search(
            ctx.session,
            ctx.actor,
            name=input.name,
            query=input.query,
            filter=filter_to_dict(input.filter),
            notify=input.notify,
        )
        return SaveSearchSuccess(saved_search=SavedSearchType.from_model(saved))

    @strawberry.mutation(
        description="Delete one of your saved searches.",
        extensions=[requires("account:write")],
    )
    @mutation_payload
    async def delete_saved_search(
        self, info: Info, id: strawberry.ID
    ) -> DeleteSavedSearchPayload | None:
        ctx: Context = info.context
        ident = global_id_uuid(id, "SavedSearch", field="id")
        await service.delete_saved_search(ctx.session, ctx.actor, saved_search_id=ident)
        return DeleteSavedSearchSuccess(deleted_id=relay.GlobalID("SavedSearch", str(ident)))
