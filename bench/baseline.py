"""The hand-written baseline: the same search, the same SQL, JSON written directly.

A bare Starlette app (no GraphQL, no middleware) with one endpoint, POST /search, taking the
same variables as the GraphQL `Search` operation of bench/queries.py and answering the same
JSON document ({"data": {"listings": …}}), field for field. It calls the same service
functions the GraphQL page ends up calling, so both sides run the same statements:

  search_listings      category-tree stamp + the page (one statement each); the category
                       names come from the tree it loaded (result.prepared.taxonomy)
  get_members          the sellers of the page (one statement)
  photos_of_listings   the photos of the page (one statement)
  favorite_counts      favorite counts of the page (one GROUP BY)

    uvicorn bench.baseline:app --host 127.0.0.1 --port 8766   (C2C_DATABASE_URL as for the app)
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from c2c_api.authz import ANONYMOUS
from c2c_api.config import get_settings
from c2c_api.db import Database
from c2c_api.errors import DomainError
from c2c_api.favorites.service import favorite_counts
from c2c_api.kit.money import CURRENCIES, Money
from c2c_api.listings.models import Listing
from c2c_api.photos.service import photos_of_listings
from c2c_api.photos.storage import storage_from_settings
from c2c_api.runtime import tune_garbage_collector
from c2c_api.search.service import search_listings
from c2c_api.users.service import get_members

settings = get_settings()
db = Database(settings)
storage = storage_from_settings(settings)
LOCALE = "en"
TYPE_NAMES = {
    "SALE": "SaleListing",
    "AUCTION": "AuctionListing",
    "RENTAL": "RentalListing",
    "SERVICE": "ServiceListing",
    "SWAP": "SwapListing",
    "DONATION": "DonationListing",
    "GROUP_BUY": "GroupBuyListing",
    "WANTED": "WantedListing",
}


def global_id(type_name: str, ident: Any) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


def money(amount: int | None, currency: str) -> dict[str, Any] | None:
    if amount is None or currency not in CURRENCIES:
        return None
    return {"amount": amount, "currency": currency, "formatted": Money(amount, currency).format()}


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def search(request: Request) -> Response:
    variables = await request.json()
    async with db.sessionmaker() as session:
        try:
            result = await search_listings(
                session,
                ANONYMOUS,
                query=variables.get("query"),
                filter=variables.get("filter"),
                sort=variables.get("sort"),
                first=variables.get("first", 20),
                after=variables.get("after"),
                secret=settings.secret_key,
            )
        except DomainError as error:
            return JSONResponse({"errors": [{"message": str(error)}]}, status_code=200)
        rows: list[Listing] = result.listings
        ids = [r.id for r in rows]
        # The GraphQL resolvers start these loads together; so do we (same session: the
        # driver runs them one after the other, as it does for the DataLoaders).
        sellers = await get_members(session, list(dict.fromkeys(r.seller_id for r in rows)))
        photos = await photos_of_listings(session, ids)
        counts = await favorite_counts(session, ids)

    taxonomy = result.prepared.taxonomy
    edges = []
    for row, cursor in zip(rows, result.cursors, strict=True):
        seller = sellers.get(row.seller_id)
        position = None
        if row.public_latitude is not None and row.public_longitude is not None:
            position = {"latitude": row.public_latitude, "longitude": row.public_longitude}
        category = None
        if row.category_slug in taxonomy:
            node = taxonomy.get(row.category_slug)
            category = {"slug": row.category_slug, "name": node.name.get(LOCALE)}
        edges.append(
            {
                "cursor": cursor,
                "node": {
                    "id": global_id(TYPE_NAMES[row.kind], row.id),
                    "kind": row.kind,
                    "title": row.title,
                    "condition": row.condition,
                    "displayPrice": money(row.sort_price, row.currency),
                    "category": category,
                    "location": {
                        "city": row.city,
                        "country": row.country,
                        "approximatePosition": position,
                    },
                    "publishedAt": iso(row.published_at),
                    "endsAt": iso(row.ends_at),
                    "seller": (
                        {"id": global_id("Member", seller.id), "displayName": seller.display_name}
                        if seller is not None
                        else None
                    ),
                    "photos": [
                        {
                            "thumbUrl": storage.url(p.renditions["thumb"]),
                            "smallUrl": storage.url(p.renditions["small"]),
                        }
                        for p in photos.get(row.id, [])
                    ],
                    "favoriteCount": counts.get(row.id, 0),
                },
            }
        )
    body = {
        "data": {
            "listings": {
                "edges": edges,
                "pageInfo": {
                    "hasNextPage": result.has_next,
                    "endCursor": edges[-1]["cursor"] if edges else None,
                },
            }
        }
    }
    return JSONResponse(body)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await db.dispose()


app = Starlette(
    routes=[Route("/search", search, methods=["POST"]), Route("/healthz", healthz)],
    lifespan=lifespan,
)
# The same process tuning as the app's entry point (c2c_api.asgi), so that both sides compare.
tune_garbage_collector()

__all__ = ["app"]
