"""Live ratings: `ratingRevealed`, to both members of an order when its ratings are revealed.

The outbox relay publishes each `rating.revealed` event on the channel `member:<id>` of the
order's buyer and seller (worker.py), after commit; the subscription re-reads each rating in a
short session of its own, so what it yields is what the subscriber may see now (revealed:
public). A client that reconnects re-reads `Order.ratingStatus` and `Order.ratingOfMe`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from c2c_api import authz
from c2c_api.graphql.live import channel_messages
from c2c_api.graphql.permissions import requires
from c2c_api.ratings import service
from c2c_api.ratings.graphql import RatingType
from c2c_api.ratings.service import REVEALED_TOPIC

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


def _uuids(values: object) -> list[uuid.UUID]:
    found: list[uuid.UUID] = []
    for value in values if isinstance(values, list) else []:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


@strawberry.type
class RatingSubscription:
    @strawberry.subscription(
        description=(
            "The viewer's orders' ratings as they are revealed (both members rated, or the "
            "window ended): each revealed rating, the one the viewer gave and the one about "
            "them, to both members."
        ),
        extensions=[requires("ratings:write")],
    )
    async def rating_revealed(self, info: Info) -> AsyncGenerator[RatingType, None]:
        ctx: Context = info.context
        member_id = authz.require_member(ctx.actor)
        async for payload in channel_messages(ctx, f"member:{member_id}", topics={REVEALED_TOPIC}):
            ids = _uuids(payload.get("ratingIds"))
            async with ctx.db.sessionmaker() as session:
                found = await service.get_ratings(session, ctx.actor, ids)
            for rating_id in ids:
                if rating_id in found:
                    yield RatingType.from_model(found[rating_id])
