"""Live orders and offers: `orderUpdated`, `offerReceived`, `offerUpdated` for the viewer.

The outbox relay publishes each order or offer event on the channel `member:<id>` of each
party (worker.py), after commit; the subscription re-reads the order or offer in a short
session of its own, so what it yields is what the subscriber may see now. A client that
reconnects re-reads the order (`node(id:)`): `version` tells whether it missed a step.
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
from c2c_api.offers import service as offers
from c2c_api.offers.graphql import OfferType
from c2c_api.offers.service import OFFER_RECEIVED_TOPIC, OFFER_UPDATED_TOPIC
from c2c_api.orders import service
from c2c_api.orders.errors import OrderNotFound
from c2c_api.orders.graphql import OrderType, order_uuid
from c2c_api.orders.service import ORDER_UPDATED_TOPIC

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context


async def _order(ctx: Context, order_id: uuid.UUID) -> OrderType | None:
    async with ctx.db.sessionmaker() as session:
        found = await service.get_orders(session, ctx.actor, [order_id])
    return OrderType.from_model(found[order_id]) if order_id in found else None


async def _offer(ctx: Context, offer_id: uuid.UUID) -> OfferType | None:
    async with ctx.db.sessionmaker() as session:
        found = await offers.get_offers(session, ctx.actor, [offer_id])
    return OfferType.from_model(found[offer_id]) if offer_id in found else None


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def _offers_heard(ctx: Context, topic: str) -> AsyncGenerator[OfferType, None]:
    """The viewer's offers named by `topic` events, as the viewer may see them now."""
    member_id = authz.require_member(ctx.actor)
    async for payload in channel_messages(ctx, f"member:{member_id}", topics={topic}):
        offer_id = _uuid(payload.get("offerId"))
        offer = await _offer(ctx, offer_id) if offer_id else None
        if offer is not None:
            yield offer


@strawberry.type
class OrderSubscription:
    @strawberry.subscription(
        description=(
            "Each step of the viewer's orders (or of one order, `id`), as committed: the order "
            "in its new state. Watch it while the other party acts."
        ),
        extensions=[requires("orders:write")],
    )
    async def order_updated(
        self, info: Info, id: strawberry.ID | None = None
    ) -> AsyncGenerator[OrderType, None]:
        ctx: Context = info.context
        member_id = authz.require_member(ctx.actor)
        only = order_uuid(id) if id is not None else None
        if only is not None and await _order(ctx, only) is None:
            raise OrderNotFound(fields=["id"])
        async for payload in channel_messages(
            ctx, f"member:{member_id}", topics={ORDER_UPDATED_TOPIC}
        ):
            order_id = _uuid(payload.get("orderId"))
            if order_id is None or (only is not None and order_id != only):
                continue
            order = await _order(ctx, order_id)
            if order is not None:
                yield order

    @strawberry.subscription(
        description="Offers addressed to the viewer (new offers, counter-offers), as made.",
        extensions=[requires("offers:write")],
    )
    async def offer_received(self, info: Info) -> AsyncGenerator[OfferType, None]:
        async for offer in _offers_heard(info.context, OFFER_RECEIVED_TOPIC):
            yield offer

    @strawberry.subscription(
        description="The viewer's offers answered (accepted, declined, withdrawn, expired).",
        extensions=[requires("offers:write")],
    )
    async def offer_updated(self, info: Info) -> AsyncGenerator[OfferType, None]:
        async for offer in _offers_heard(info.context, OFFER_UPDATED_TOPIC):
            yield offer
