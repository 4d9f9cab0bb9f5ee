"""Request-scoped loaders behind the Listing interface's favorite fields.

`favorite_count` and `viewer_has_favorited` resolve the Listing interface's fields of the same
names, each through a request-scoped DataLoader: one statement per page of listings. This module
imports no listing type: listings/graphql.py uses it, favorites/graphql.py builds on listings.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any

from strawberry.types import Info

from c2c_api.favorites import service
from c2c_api.graphql.loaders import loader, settle

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


async def _counts_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    return await service.favorite_counts(ctx.session, ids)


def favorite_counts_loader(ctx: Context) -> Any:
    """The request's loader of favorite counts (one GROUP BY per page of listings)."""
    return loader(ctx, "favorite_counts", _counts_batch)


def _count(value: int | None) -> int:
    return int(value or 0)


def favorite_count(info: Info, listing_id: uuid.UUID) -> int | Awaitable[int]:
    """How many members watch the listing: at once on a primed page, else an awaitable."""
    return settle(favorite_counts_loader(info.context).load(listing_id), _count)


async def _viewer_batch(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, bool]:
    assert ctx.actor.member_id is not None
    watched = await service.favorited_by(ctx.session, ctx.actor.member_id, ids)
    return {i: i in watched for i in ids}


def viewer_may_read_favorites(ctx: Context) -> bool:
    """A member's own favorites are account data: readable with account:read."""
    return ctx.actor.member_id is not None and "account:read" in ctx.actor.scopes


async def viewer_has_favorited(info: Info, listing_id: uuid.UUID) -> bool | None:
    """Whether the calling member watches the listing; null for anonymous callers, partners
    and tokens without account:read."""
    ctx: Context = info.context
    if not viewer_may_read_favorites(ctx):
        return None
    value = await loader(ctx, "viewer_favorites", _viewer_batch).load(listing_id)
    return bool(value)
