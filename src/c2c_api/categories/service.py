"""Categories as stored: seeding, the cached taxonomy, and operators' edits.

The tree lives in the `categories` table (seeded with `default_nodes()` when empty). Reads go
through `get_taxonomy(session)`, which keeps one `Catalog` (a checked `Taxonomy` plus the set of
retired slugs) per process and rebuilds it when the table's stamp changes. The stamp is
`(count(*), sum(revision), max(updated_at))`, read with one cheap statement per call: an edit
made by another process is therefore seen by the very next read (no staleness window), and
the edit's own process drops its cache at once. GraphQL requests memoise the catalog for the
request, so a request pays the stamp statement at most once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api import authz
from c2c_api.authz import Actor
from c2c_api.categories.attributes import AttributeDef, Localized
from c2c_api.categories.errors import UnknownCategory
from c2c_api.categories.models import Category
from c2c_api.categories.taxonomy import (
    SLUG_PATTERN,
    CategoryNode,
    ListingKind,
    Taxonomy,
    TaxonomyError,
    default_nodes,
)
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.errors import Conflict, Forbidden, InvalidInput
from c2c_api.kit.clock import utcnow

Stamp = tuple[int, int, str]


@dataclass(frozen=True)
class Catalog:
    """The stored tree: every node (retired ones too, for existing listings) and the retired."""

    taxonomy: Taxonomy
    retired: frozenset[str] = field(default_factory=frozenset)
    stamp: Stamp = (0, 0, "")

    def is_retired(self, slug: str) -> bool:
        return slug in self.retired

    def check_listing_category(self, slug: object, kind: str, *, field: str = "category") -> None:
        """A leaf, not retired, accepting `kind`; typed errors name `field`."""
        from c2c_api.listings.errors import CategoryRetired

        if not isinstance(slug, str) or slug not in self.taxonomy:
            raise UnknownCategory(fields=[field], context={"slug": str(slug)[:80]})
        if slug in self.retired:
            raise CategoryRetired(fields=[field], context={"slug": slug})
        try:
            self.taxonomy.check_listing_category(slug, kind)
        except InvalidInput as error:
            error.fields = [field]
            raise

    def visible_children(self, slug: str | None) -> list[CategoryNode]:
        nodes = self.taxonomy.roots() if slug is None else self.taxonomy.children(slug)
        return [n for n in nodes if n.slug not in self.retired]


_cache: dict[str, Catalog] = {}
_lock = asyncio.Lock()


def _cache_key(session: AsyncSession) -> str:
    bind = session.get_bind()
    return str(bind.url) if hasattr(bind, "url") else str(id(bind))


def node_from_row(row: Category) -> CategoryNode:
    return CategoryNode(
        slug=row.slug,
        parent=row.parent_slug,
        position=row.position,
        name=Localized.model_validate(row.name),
        kinds=frozenset(ListingKind(k) for k in row.kinds) if row.kinds is not None else None,
        attributes=tuple(AttributeDef.model_validate(a) for a in row.attributes),
    )


def row_from_node(node: CategoryNode) -> Category:
    now = utcnow()
    return Category(
        slug=node.slug,
        parent_slug=node.parent,
        position=node.position,
        name=node.name.model_dump(),
        kinds=sorted(k.value for k in node.kinds) if node.kinds is not None else None,
        attributes=[a.model_dump(mode="json", exclude_defaults=True) for a in node.attributes],
        created_at=now,
        updated_at=now,
    )


async def _stamp(session: AsyncSession) -> Stamp:
    row = (
        await session.exec(
            select(
                func.count(),
                func.coalesce(func.sum(Category.revision), 0),
                func.max(Category.updated_at),
            )
        )
    ).one()
    count, revisions, updated = row
    return (int(count), int(revisions), str(updated))


def build_catalog(rows: Iterable[Category], stamp: Stamp = (0, 0, "")) -> Catalog:
    rows = list(rows)
    return Catalog(
        taxonomy=Taxonomy(node_from_row(r) for r in rows),
        retired=frozenset(r.slug for r in rows if r.retired_at is not None),
        stamp=stamp,
    )


async def get_taxonomy(session: AsyncSession) -> Catalog:
    """The stored tree, from the process cache when the table has not changed."""
    stamp = await _stamp(session)
    key = _cache_key(session)
    cached = _cache.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    rows = (await session.exec(select(Category))).all()
    catalog = build_catalog(rows, stamp)
    _cache[key] = catalog
    return catalog


def invalidate_cache() -> None:
    """Forget every cached tree (after a write, and in tests)."""
    _cache.clear()


async def seed_default_categories(session: AsyncSession) -> int:
    """Insert the default taxonomy when the table is empty; the number of rows inserted."""
    count = (await session.exec(select(func.count()).select_from(Category))).one()
    if count:
        return 0
    nodes = default_nodes()
    # Parents first, so the self-referencing foreign key holds at every insert.
    for node in nodes:
        session.add(row_from_node(node))
        await session.flush()
    invalidate_cache()
    return len(nodes)


# --- operators' edits --------------------------------------------------------------------------


def _ensure_catalog_admin(actor: Actor) -> None:
    if not authz.can_manage_categories(actor):
        raise Forbidden()


def _check_tree(rows: Sequence[Category]) -> None:
    """The edited rows still form a valid taxonomy (else InvalidInput)."""
    try:
        build_catalog(rows)
    except (TaxonomyError, ValueError) as error:
        raise InvalidInput(str(error)) from error


def _node_fields(
    *,
    slug: str,
    parent: str | None,
    position: int,
    name_en: str,
    name_fr: str,
    kinds: list[str] | None,
    attributes: list[dict[str, Any]],
) -> CategoryNode:
    try:
        return CategoryNode(
            slug=slug,
            parent=parent,
            position=position,
            name=Localized(en=name_en, fr=name_fr),
            kinds=frozenset(ListingKind(k) for k in kinds) if kinds is not None else None,
            attributes=tuple(AttributeDef.model_validate(a) for a in attributes),
        )
    except ValueError as error:
        raise InvalidInput(_first_error(error), fields=_error_fields(error)) from error


def _attribute_definitions(value: object) -> list[dict[str, Any]] | None:
    """Attribute definitions as given (JSON): None, or a list of objects; else INVALID_INPUT."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidInput("Give a list of attribute definitions.", fields=["attributes"])
    return value


def _first_error(error: ValueError) -> str:
    text = str(error).splitlines()
    return text[0][:300] if text else "The input is not valid."


def _error_fields(error: ValueError) -> list[str]:
    errors = getattr(error, "errors", None)
    if errors is None:
        return []
    fields: list[str] = []
    for item in errors():
        loc = [str(p) for p in item.get("loc", ())]
        if loc:
            fields.append(".".join(loc))
    return fields


async def _all_rows(session: AsyncSession) -> list[Category]:
    return list((await session.exec(select(Category))).all())


async def create_category(
    session: AsyncSession,
    actor: Actor,
    *,
    slug: str,
    parent: str | None,
    position: int,
    name_en: str,
    name_fr: str,
    kinds: list[str] | None = None,
    attributes: object = None,
) -> Category:
    """Add a category (operators with admin:catalog); a slug is never reused.

    `attributes` is untrusted JSON from any adapter: a list of attribute definitions, checked.
    """
    _ensure_catalog_admin(actor)
    definitions = _attribute_definitions(attributes)
    import re

    if not re.match(SLUG_PATTERN, slug) or len(slug) > 60:
        raise InvalidInput("Use lowercase letters, digits and single hyphens.", fields=["slug"])
    rows = await _all_rows(session)
    if any(r.slug == slug for r in rows):
        raise Conflict("This slug is already in use.", fields=["slug"])
    if parent is not None and not any(r.slug == parent for r in rows):
        raise UnknownCategory(fields=["parent"])
    if parent is not None and any(r.slug == parent and r.retired_at for r in rows):
        from c2c_api.listings.errors import CategoryRetired

        raise CategoryRetired(fields=["parent"])
    node = _node_fields(
        slug=slug,
        parent=parent,
        position=position,
        name_en=name_en,
        name_fr=name_fr,
        kinds=kinds,
        attributes=definitions or [],
    )
    row = row_from_node(node)
    _check_tree([*rows, row])
    session.add(row)
    await session.flush()
    invalidate_cache()
    return row


async def update_category(
    session: AsyncSession,
    actor: Actor,
    *,
    slug: str,
    position: int | None = None,
    name_en: str | None = None,
    name_fr: str | None = None,
    kinds: list[str] | None = None,
    clear_kinds: bool = False,
    attributes: object = None,
) -> Category:
    """Change names, position, kinds or attributes (operators with admin:catalog)."""
    _ensure_catalog_admin(actor)
    definitions = _attribute_definitions(attributes)
    rows = await _all_rows(session)
    row = next((r for r in rows if r.slug == slug), None)
    if row is None:
        raise UnknownCategory(fields=["slug"])
    current = node_from_row(row)
    node = _node_fields(
        slug=slug,
        parent=row.parent_slug,
        position=position if position is not None else row.position,
        name_en=name_en if name_en is not None else current.name.en,
        name_fr=name_fr if name_fr is not None else current.name.fr,
        kinds=None if clear_kinds else (kinds if kinds is not None else row.kinds),
        attributes=definitions if definitions is not None else row.attributes,
    )
    new = row_from_node(node)
    _check_tree([new if r.slug == slug else r for r in rows])
    row.position = new.position
    row.name = new.name
    row.kinds = new.kinds
    row.attributes = new.attributes
    row.revision += 1
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    invalidate_cache()
    return row


async def retire_category(session: AsyncSession, actor: Actor, *, slug: str) -> Category:
    """Retire a category and its subtree: listings keep it, no new listing may use it."""
    _ensure_catalog_admin(actor)
    catalog = build_catalog(await _all_rows(session))
    if slug not in catalog.taxonomy:
        raise UnknownCategory(fields=["slug"])
    now = utcnow()
    subtree = catalog.taxonomy.descendant_slugs(slug)
    rows = (await session.exec(select(Category).where(col(Category.slug).in_(subtree)))).all()
    target: Category | None = None
    for row in rows:
        if row.retired_at is None:
            row.retired_at = now
            row.revision += 1
            row.updated_at = now
            session.add(row)
        if row.slug == slug:
            target = row
    await session.flush()
    invalidate_cache()
    assert target is not None
    return target


async def get_category_rows(session: AsyncSession, slugs: Sequence[str]) -> dict[str, Category]:
    rows = await session.exec(select(Category).where(col(Category.slug).in_(list(slugs))))
    return {r.slug: r for r in rows}


__all__ = [
    "Catalog",
    "build_catalog",
    "create_category",
    "get_taxonomy",
    "invalidate_cache",
    "retire_category",
    "seed_default_categories",
    "update_category",
]


async def ensure_default_categories(db: Database) -> int:
    """Seed the default taxonomy into an empty table (migrations, demo data, tests)."""
    async with db.transaction() as session:
        return await seed_default_categories(session)


def seed_after_upgrade(settings: Settings) -> int:
    """For `c2c-api db upgrade`: seed an empty categories table; the rows inserted."""
    import asyncio

    async def run() -> int:
        db = Database(settings)
        try:
            return await ensure_default_categories(db)
        finally:
            await db.dispose()

    return asyncio.run(run())
