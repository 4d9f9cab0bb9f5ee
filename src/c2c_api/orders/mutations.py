"""Orders' entry points: the viewer's orders, buying now, paying, taking a transition.

The money-moving mutations take an `idempotencyKey` (docs/idempotency.md): the same key and
arguments answer the first result again, other arguments are IDEMPOTENCY_KEY_REUSED, and a
call while the first still runs waits for its answer (buyNow, takeOrderTransition: the key is
claimed in the use case's transaction) or is IDEMPOTENCY_KEY_IN_USE (payOrder: claimed with
its first step, before the provider is called).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api.graphql.errors import UserError, payload_of_use_case
from c2c_api.graphql.idempotency import idempotent, idempotent_work
from c2c_api.graphql.permissions import public, requires
from c2c_api.graphql.relay import connection, decode_cursor
from c2c_api.idempotency.service import Claim
from c2c_api.listings.ids import listing_uuid
from c2c_api.orders import payments, service
from c2c_api.orders.graphql import (
    HandoverEnum,
    OrderRoleEnum,
    OrderType,
    PriceBreakdown,
    breakdown_type,
    order_to_graphql,
    order_uuid,
)
from c2c_api.orders.models import Handover, Order
from c2c_api.payments.fees import FeeSchedule

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

MY_ORDERS_SCOPE = "Query.myOrders"
DISPUTED_SCOPE = "Query.disputedOrders"


@strawberry.input(
    description=("The inputs of a transition; fill those its `availableTransitions` entry lists.")
)
class OrderTransitionInput:
    carrier: str | None = None
    tracking_number: str | None = None
    meetup_place: str | None = None
    meetup_at: datetime | None = None
    handover_code: str | None = None
    reason: str | None = None

    def as_inputs(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier,
            "trackingNumber": self.tracking_number,
            "meetupPlace": self.meetup_place,
            "meetupAt": self.meetup_at,
            "handoverCode": self.handover_code,
            "reason": self.reason,
        }


@strawberry.type(description="The order was created; pay it before its payment deadline.")
class BuyNowSuccess:
    order: OrderType


BuyNowPayload = Annotated[BuyNowSuccess | UserError, strawberry.union("BuyNowPayload")]


@strawberry.type(
    description=(
        "The payment went through (state PAID) or is being confirmed by the provider (state "
        "PAYMENT_PENDING: watch orderUpdated)."
    )
)
class PayOrderSuccess:
    order: OrderType


PayOrderPayload = Annotated[PayOrderSuccess | UserError, strawberry.union("PayOrderPayload")]


@strawberry.type(description="The transition was taken; the order is in its new state.")
class TakeOrderTransitionSuccess:
    order: OrderType


TakeOrderTransitionPayload = Annotated[
    TakeOrderTransitionSuccess | UserError, strawberry.union("TakeOrderTransitionPayload")
]


async def load_order(
    info: Info, order_id: str | uuid.UUID, committed: list[Order] | None = None
) -> OrderType:
    """The order as the caller sees it after the use case: the row the use case committed
    when it ran now (`committed`: no read again), else read (a replayed answer)."""
    ctx: Context = info.context
    ident = uuid.UUID(str(order_id))
    if committed and committed[-1].id == ident:
        return order_to_graphql(committed[-1])
    found = await service.get_orders(ctx.session, ctx.actor, [ident])
    order: Order = found[ident]
    return order_to_graphql(order)


@strawberry.type
class OrderQuery:
    @strawberry.field(
        description=(
            "The caller's orders as buyer or as seller, newest first, optionally only in "
            'some states (e.g. ["PAID"] for what to ship).'
        ),
        extensions=[requires("orders:write")],
    )
    async def my_orders(
        self,
        info: Info,
        role: OrderRoleEnum,
        states: list[str] | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[OrderType] | None:
        ctx: Context = info.context
        page = await service.orders_of_member(
            ctx.session,
            ctx.actor,
            as_buyer=role == OrderRoleEnum.BUYER,
            states=states,
            limit=first,
            after=decode_cursor(info, MY_ORDERS_SCOPE, after),
        )
        return connection(
            info,
            page,
            scope=MY_ORDERS_SCOPE,
            node=order_to_graphql,
            key=lambda o: (o.created_at, o.id),
            after=after,
        )

    @strawberry.field(
        description=(
            "What buying a SALE listing now would cost, before buying: the price breakdown "
            "(item, shipping, buyer protection, total; the seller's net) buyNow would fix. "
            "Public: show it on the listing page."
        ),
        extensions=[public()],
    )
    async def purchase_quote(
        self,
        info: Info,
        listing_id: strawberry.ID,
        handover: HandoverEnum,  # type: ignore[valid-type]
        quantity: int = 1,
    ) -> PriceBreakdown | None:
        ctx: Context = info.context
        listing, b = await service.quote(
            ctx.session,
            ctx.actor,
            listing_id=listing_uuid(listing_id, "listingId"),
            quantity=quantity,
            handover=Handover(handover),
            fees=FeeSchedule.from_settings(ctx.settings),
        )
        return breakdown_type(
            listing.currency,
            unit_price=listing.price or 0,
            quantity=quantity,
            item=b.item,
            shipping=b.shipping,
            buyer_protection=b.buyer_protection,
            total=b.total,
            seller_commission=b.seller_commission,
            seller_net=b.seller_net,
        )

    @strawberry.field(
        description=(
            "Operators: orders whose buyer reported a problem (state DISPUTED), newest first; "
            "decide them with takeOrderTransition (resolve_release or resolve_refund)."
        ),
        extensions=[requires("admin:disputes")],
    )
    async def disputed_orders(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> relay.Connection[OrderType] | None:
        ctx: Context = info.context
        page = await service.orders_in_state(
            ctx.session,
            ctx.actor,
            state="DISPUTED",
            limit=first,
            after=decode_cursor(info, DISPUTED_SCOPE, after),
        )
        return connection(
            info,
            page,
            scope=DISPUTED_SCOPE,
            node=order_to_graphql,
            key=lambda o: (o.created_at, o.id),
            after=after,
        )


@strawberry.type
class OrderMutation:
    @strawberry.mutation(
        description=(
            "Buy a SALE listing now at its price: the quantity is reserved and the order "
            "awaits payment for 30 minutes (then it is cancelled and the stock released)."
        ),
        extensions=[requires("orders:write")],
    )
    @payload_of_use_case
    async def buy_now(
        self,
        info: Info,
        listing_id: strawberry.ID,
        handover: HandoverEnum,  # type: ignore[valid-type]
        idempotency_key: str,
        quantity: int = 1,
    ) -> BuyNowPayload | None:
        ctx: Context = info.context
        ident = listing_uuid(listing_id, "listingId")
        method = Handover(handover)

        created: list[Order] = []

        async def use_case(session: Any) -> dict[str, Any]:
            order = await service.create_order(
                session,
                ctx.actor,
                listing_id=ident,
                quantity=quantity,
                handover=method,
                fees=FeeSchedule.from_settings(ctx.settings),
            )
            created.append(order)
            return {"orderId": str(order.id)}

        value = await idempotent(
            info,
            operation="buyNow",
            key=idempotency_key,
            arguments={"listingId": str(ident), "quantity": quantity, "handover": method.value},
            use_case=use_case,
        )
        return BuyNowSuccess(order=await load_order(info, value["orderId"], created))

    @strawberry.mutation(
        description=(
            "Pay an order awaiting payment with a payment method of the provider (the sandbox's "
            "test cards: docs/payments.md). The money is held in escrow until completion. "
            "PAYMENT_DECLINED / CARD_INSUFFICIENT_FUNDS: nothing was charged; pay again with "
            "another key."
        ),
        extensions=[requires("orders:write")],
    )
    @payload_of_use_case
    async def pay_order(
        self, info: Info, order_id: strawberry.ID, payment_method: str, idempotency_key: str
    ) -> PayOrderPayload | None:
        ctx: Context = info.context
        ident = order_uuid(order_id)
        provider = payments.provider_for(ctx.db, ctx.settings)
        paid: list[Order] = []

        async def work(held: Claim) -> dict[str, Any]:
            return await payments.pay_order(
                ctx.db,
                ctx.actor,
                provider,
                order_id=ident,
                payment_method=payment_method,
                transaction=held.transaction,
                finish=held.complete,
                committed=paid,
            )

        value = await idempotent_work(
            info,
            operation="payOrder",
            key=idempotency_key,
            arguments={"orderId": str(ident), "paymentMethod": payment_method},
            work=work,
        )
        return PayOrderSuccess(order=await load_order(info, value["orderId"], paid))

    @strawberry.mutation(
        description=(
            "Take one of the order's available transitions (`Order.availableTransitions`): "
            "ship, arrange_meetup, confirm_receipt, accept_item, confirm_handover, "
            "report_problem, cancel, … with the inputs it lists. TRANSITION_NOT_AVAILABLE "
            "when the state does not allow it, TRANSITION_NOT_ALLOWED when it is not yours."
        ),
        extensions=[requires("orders:write", "admin:disputes")],
    )
    @payload_of_use_case
    async def take_order_transition(
        self,
        info: Info,
        order_id: strawberry.ID,
        transition: str,
        idempotency_key: str,
        input: OrderTransitionInput | None = None,
    ) -> TakeOrderTransitionPayload | None:
        ctx: Context = info.context
        ident = order_uuid(order_id)
        inputs = input.as_inputs() if input is not None else {}
        code = inputs.get("handoverCode")
        taken: list[Order] = []

        async def work(held: Claim) -> dict[str, Any]:
            if transition == "confirm_handover" and isinstance(code, str):
                # A wrong code counts even though the transition is refused (rolled back):
                # counted in a transaction of its own, the first (with the key's claim).
                async with held.transaction() as session:
                    await service.count_handover_attempt(
                        session, ctx.actor, order_id=ident, code=code
                    )
            async with held.transaction() as session:
                order, _ = await service.take_transition(
                    session, ctx.actor, order_id=ident, name=transition[:64], inputs=inputs
                )
                taken.append(order)
                return await held.complete(session, {"orderId": str(order.id)})

        value = await idempotent_work(
            info,
            operation="takeOrderTransition",
            key=idempotency_key,
            arguments={"orderId": str(ident), "transition": transition, "input": inputs},
            work=work,
        )
        return TakeOrderTransitionSuccess(order=await load_order(info, value["orderId"], taken))


__all__ = ["OrderMutation", "OrderQuery"]
