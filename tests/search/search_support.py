"""Arrangement helpers for search tests: the default categories and listings as rows."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import ANONYMOUS
from c2c_api.categories.models import Category
from c2c_api.categories.service import invalidate_cache, row_from_node
from c2c_api.categories.taxonomy import default_nodes
from c2c_api.kit.clock import utcnow
from c2c_api.listings.models import Listing
from c2c_api.search import service

SECRET = "search-test-secret"
_seq = itertools.count(1)


async def seed_categories(session: AsyncSession) -> None:
    """The default taxonomy in one statement (parents come first)."""
    rows = [row_from_node(n).model_dump() for n in default_nodes()]
    await session.exec(sa.insert(Category), params=rows)  # type: ignore[call-overload]
    invalidate_cache()


async def create_listing(session: AsyncSession, seller_id: Any, **overrides: Any) -> Listing:
    """A PUBLISHED SALE in city-bikes unless told otherwise; newer listings come later."""
    n = next(_seq)
    now = utcnow()
    values: dict[str, Any] = {
        "kind": "SALE",
        "status": "PUBLISHED",
        "seller_id": seller_id,
        "title": f"Listing {n}",
        "description": "",
        "category_slug": "city-bikes",
        "condition": "GOOD",
        "currency": "EUR",
        "price": 10000,
        "sort_price": 10000,
        "country": "FR",
        "published_at": now - timedelta(days=1) + timedelta(seconds=n),
        "created_at": now,
        "updated_at": now,
    }
    if "price" in overrides and "sort_price" not in overrides:
        overrides["sort_price"] = overrides["price"]
    values.update(overrides)
    listing = Listing(**values)
    session.add(listing)
    await session.flush()
    return listing


async def search(session: AsyncSession, **kwargs: Any) -> service.SearchResult:
    return await service.search_listings(session, ANONYMOUS, secret=SECRET, **kwargs)


async def titles(session: AsyncSession, **kwargs: Any) -> list[str]:
    return [item.title for item in (await search(session, **kwargs)).listings]
