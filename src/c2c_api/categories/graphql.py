"""GraphQL types and entry points of categories: the public tree and operators' edits."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from c2c_api.categories import service
from c2c_api.categories.attributes import AttributeDef, AttributeType
from c2c_api.categories.service import Catalog
from c2c_api.categories.taxonomy import CategoryNode, ListingKind
from c2c_api.errors import NotFound
from c2c_api.graphql.errors import UserError, mutation_payload
from c2c_api.graphql.permissions import public, requires

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

ListingKindEnum = strawberry.enum(
    ListingKind,
    name="ListingKind",
    description="The collaborative forms of C2C: how a deal forms (docs/listings.md).",
)
AttributeTypeEnum = strawberry.enum(
    AttributeType, name="AttributeType", description="How an attribute's value is written."
)


async def request_catalog(info: Info) -> Catalog:
    """The category tree for this request: resolvers share one load (one stamp statement)."""
    ctx: Context = info.context
    pending = ctx.loaders.get("__catalog__")
    if pending is None:
        pending = asyncio.ensure_future(service.get_taxonomy(ctx.session))
        ctx.loaders["__catalog__"] = pending
    return cast(Catalog, await pending)


def loaded_catalog(info: Info) -> Catalog | None:
    """The request's category tree if request_catalog has already loaded it, else None."""
    pending = info.context.loaders.get("__catalog__")
    if pending is None or not pending.done() or pending.cancelled() or pending.exception():
        return None
    return cast(Catalog, pending.result())


@strawberry.type(description="One choice of an enum attribute.")
class AttributeOption:
    value: str = strawberry.field(description="The stable code stored in `attributes`.")
    label: str = strawberry.field(description="In the caller's language.")


@strawberry.type(
    name="AttributeDefinition",
    description="An attribute a listing of the category may (or must) carry.",
)
class AttributeDefinitionType:
    key: str
    label: str = strawberry.field(description="In the caller's language.")
    type: AttributeTypeEnum  # type: ignore[valid-type]
    required: bool
    options: list[AttributeOption] = strawberry.field(description="For enum attributes.")
    minimum: int | None
    maximum: int | None
    decimals: int = strawberry.field(
        description="For decimal attributes: the value is an integer count of 10^-decimals."
    )
    unit: str | None = strawberry.field(description="For numeric attributes, localised.")
    max_length: int | None = strawberry.field(description="For text attributes.")

    @classmethod
    def from_def(cls, d: AttributeDef, locale: str) -> AttributeDefinitionType:
        return cls(
            key=d.key,
            label=d.label.get(locale),
            type=d.type,
            required=d.required,
            options=[AttributeOption(value=o.value, label=o.label.get(locale)) for o in d.options],
            minimum=d.minimum,
            maximum=d.maximum,
            decimals=d.decimals,
            unit=d.unit.get(locale) if d.unit is not None else None,
            max_length=d.max_length if d.type is AttributeType.TEXT else None,
        )


@strawberry.type(name="Category", description="A node of the category tree.")
class CategoryType:
    slug: str = strawberry.field(description="Stable identifier, never reused.")
    _node: strawberry.Private[CategoryNode]
    _catalog: strawberry.Private[Catalog]
    _locale: strawberry.Private[str]
    # A plain attribute (no resolver to call): every card of a search page shows it.
    name: str = strawberry.field(description="The name in the caller's language (Accept-Language).")

    @classmethod
    def of(cls, catalog: Catalog, slug: str, locale: str) -> CategoryType:
        node = catalog.taxonomy.get(slug)
        return cls(
            slug=slug, _node=node, _catalog=catalog, _locale=locale, name=node.name.get(locale)
        )

    @strawberry.field(description="Names in every language (for operators' forms).")
    def names(self) -> JSON:
        return cast(JSON, self._node.name.model_dump())

    @strawberry.field(description="Position among its siblings (ascending).")
    def position(self) -> int:
        return self._node.position

    @strawberry.field(description="Retired: listings keep it, new listings may not use it.")
    def retired(self) -> bool:
        return self._catalog.is_retired(self.slug)

    @strawberry.field(description="A listing must be filed under a leaf category.")
    def is_leaf(self) -> bool:
        return self._catalog.taxonomy.is_leaf(self.slug)

    @strawberry.field(description="The parent, null for a root.")
    def parent(self) -> CategoryType | None:
        if self._node.parent is None:
            return None
        return CategoryType.of(self._catalog, self._node.parent, self._locale)

    @strawberry.field(description="Breadcrumbs: from the root down to this category.")
    def path(self) -> list[CategoryType]:
        return [
            CategoryType.of(self._catalog, n.slug, self._locale)
            for n in self._catalog.taxonomy.path(self.slug)
        ]

    @strawberry.field(description="Sub-categories in order (retired ones left out).")
    def children(self) -> list[CategoryType]:
        return [
            CategoryType.of(self._catalog, n.slug, self._locale)
            for n in self._catalog.visible_children(self.slug)
        ]

    @strawberry.field(description="Listing kinds accepted here.")
    def kinds(self) -> list[ListingKindEnum]:  # type: ignore[valid-type]
        return sorted(self._catalog.taxonomy.kinds_allowed(self.slug))

    @strawberry.field(description="The attribute schema (inherited ones first).")
    def attributes(self) -> list[AttributeDefinitionType]:
        return [
            AttributeDefinitionType.from_def(d, self._locale)
            for d in self._catalog.taxonomy.schema_for(self.slug).values()
        ]


@strawberry.input(description="A new category.")
class CreateCategoryInput:
    slug: str = strawberry.field(description="kebab-case, at most 60 characters; permanent.")
    parent: str | None = strawberry.field(default=None, description="Parent slug; null: root.")
    position: int = 0
    name_en: str
    name_fr: str
    kinds: list[ListingKindEnum] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Accepted kinds (a subset of the parent's); null: inherit."
    )
    attributes: JSON | None = strawberry.field(
        default=None,
        description="Own attribute definitions (see docs/categories.md for the format).",
    )


@strawberry.input(description="Changes to a category; omitted fields stay as they are.")
class UpdateCategoryInput:
    slug: str
    position: int | None = None
    name_en: str | None = None
    name_fr: str | None = None
    kinds: list[ListingKindEnum] | None = None  # type: ignore[valid-type]
    inherit_kinds: bool = strawberry.field(
        default=False, description="Accept the parent's kinds again (clears `kinds`)."
    )
    attributes: JSON | None = strawberry.field(
        default=None, description="Replaces the category's own attribute definitions."
    )


@strawberry.type
class CategorySuccess:
    category: CategoryType
    updated_at: datetime


CategoryPayload = Annotated[CategorySuccess | UserError, strawberry.union("CategoryPayload")]


async def _success(info: Info, slug: str, updated_at: datetime) -> CategorySuccess:
    ctx: Context = info.context
    ctx.loaders.pop("__catalog__", None)
    catalog = await request_catalog(info)
    return CategorySuccess(
        category=CategoryType.of(catalog, slug, ctx.locale), updated_at=updated_at
    )


@strawberry.type
class CategoryQuery:
    @strawberry.field(
        description=(
            "The category tree's roots (or the children of `parent`), names in the caller's "
            "language; retired categories are left out."
        ),
        extensions=[public()],
    )
    async def categories(self, info: Info, parent: str | None = None) -> list[CategoryType] | None:
        catalog = await request_catalog(info)
        if parent is not None and parent not in catalog.taxonomy:
            return []
        return [
            CategoryType.of(catalog, n.slug, info.context.locale)
            for n in catalog.visible_children(parent)
        ]

    @strawberry.field(
        description="One category by slug (retired ones too), or null.", extensions=[public()]
    )
    async def category(self, info: Info, slug: str) -> CategoryType | None:
        catalog = await request_catalog(info)
        if slug not in catalog.taxonomy:
            return None
        return CategoryType.of(catalog, slug, info.context.locale)


@strawberry.type
class CategoryMutation:
    @strawberry.mutation(
        description="Add a category (operators, admin:catalog).",
        extensions=[requires("admin:catalog")],
    )
    @mutation_payload
    async def create_category(
        self, info: Info, input: CreateCategoryInput
    ) -> CategoryPayload | None:
        ctx: Context = info.context
        row = await service.create_category(
            ctx.session,
            ctx.actor,
            slug=input.slug,
            parent=input.parent,
            position=input.position,
            name_en=input.name_en,
            name_fr=input.name_fr,
            kinds=[str(k) for k in input.kinds] if input.kinds is not None else None,
            attributes=input.attributes,
        )
        return await _success(info, row.slug, row.updated_at)

    @strawberry.mutation(
        description="Change a category's names, position, kinds or attributes (admin:catalog).",
        extensions=[requires("admin:catalog")],
    )
    @mutation_payload
    async def update_category(
        self, info: Info, input: UpdateCategoryInput
    ) -> CategoryPayload | None:
        ctx: Context = info.context
        row = await service.update_category(
            ctx.session,
            ctx.actor,
            slug=input.slug,
            position=input.position,
            name_en=input.name_en,
            name_fr=input.name_fr,
            kinds=[str(k) for k in input.kinds] if input.kinds is not None else None,
            clear_kinds=input.inherit_kinds,
            attributes=input.attributes,
        )
        return await _success(info, row.slug, row.updated_at)

    @strawberry.mutation(
        description=(
            "Retire a category and its sub-categories: the slug is never reused, listings keep "
            "it, new listings may not use it (admin:catalog)."
        ),
        extensions=[requires("admin:catalog")],
    )
    @mutation_payload
    async def retire_category(self, info: Info, slug: str) -> CategoryPayload | None:
        ctx: Context = info.context
        row = await service.retire_category(ctx.session, ctx.actor, slug=slug)
        if row is None:  # pragma: no cover - the service raises
            raise NotFound()
        return await _success(info, row.slug, row.updated_at)
