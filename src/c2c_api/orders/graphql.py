"""GraphQL types of orders: `Order` (a Node) with its process state, the transitions the
caller may take, the price breakdown, the handover, the timeline and the deadlines."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info
from strawberry.types.lazy_type import LazyType

from c2c_api.authz import OrderPolicy
from c2c_api.graphql.amounts import AmountType, amount
from c2c_api.graphql.loaders import loader, parse_node_ids
from c2c_api.graphql.relay import global_id_uuid
from c2c_api.listings.graphql import ListingInterface, listing_loader, listing_to_graphql
from c2c_api.orders import service
from c2c_api.orders.models import Handover, Order
from c2c_api.orders.process import ORDERS
from c2c_api.processes.declarations import Role
from c2c_api.users.graphql import MemberType, member_loader

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context
    from c2c_api.ratings.graphql import RatingStatus, RatingType

# ratings builds on orders (a rating's order), so this module does not import ratings: its
# types are strawberry's lazy references, resolved at schema build and, here, at run time.
_RATING_TYPE: LazyType[Any, Any] = LazyType("RatingType", "c2c_api.ratings.graphql")
_RATING_STATUS: LazyType[Any, Any] = LazyType("RatingStatus", "c2c_api.ratings.graphql")

HandoverEnum = strawberry.enum(
    Handover,
    name="HandoverMethod",
    description="How the item changes hands: shipped, or a meet-up.",
)


@strawberry.enum(name="OrderRole", description="The caller's side of an order.")
class OrderRoleEnum(Enum):
    BUYER = "BUYER"
    SELLER = "SELLER"


@strawberry.type(description="What the buyer pays and what the seller receives.")
class PriceBreakdown:
    unit_price: AmountType
    quantity: int
    item: AmountType = strawberry.field(description="Unit price times quantity.")
    shipping: AmountType
    buyer_protection: AmountType = strawberry.field(
        description="The buyer-protection fee (fee schedule: 5 % + 0.70 by default)."
    )
    total: AmountType = strawberry.field(description="What the buyer pays.")
    seller_commission: AmountType
    seller_net: AmountType = strawberry.field(description="What the seller receives at completion.")


@strawberry.type(description="An input a transition needs (render it as a form field).")
class TransitionInputSpec:
    name: str = strawberry.field(description="The field of OrderTransitionInput to fill.")
    kind: str = strawberry.field(description="TEXT, DATETIME or CODE.")
    required: bool
    label: str = strawberry.field(description="In the caller's language (English or French).")
    max_length: int


@strawberry.type(description="A step the caller may take now (render it as a button).")
class AvailableTransition:
    name: str = strawberry.field(description="Pass it to takeOrderTransition.")
    label: str = strawberry.field(description="In the caller's language (English or French).")
    label_en: str
    label_fr: str
    inputs: list[TransitionInputSpec]


@strawberry.type(description="One step of the order's history.")
class OrderTimelineEntry:
    transition: str = strawberry.field(description="'created', then transition names.")
    from_state: str | None
    to_state: str
    actor_role: str = strawberry.field(description="BUYER, SELLER, OPERATOR or SYSTEM.")
    details: strawberry.scalars.JSON = strawberry.field(
        description="The inputs given (carrier, tracking number, place, reason, …)."
    )
    at: datetime
    _actor_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The member who acted (null for the system).")
    async def actor(self, info: Info) -> MemberType | None:
        if self._actor_id is None:
            return None
        member = await member_loader(info).load(self._actor_id)
        return MemberType.from_model(member) if member is not None else None


@strawberry.type(description="A timer armed on the order: what happens when, unless acted on.")
class OrderDeadline:
    action: str = strawberry.field(
        description="e.g. order.payment_deadline, order.protection_window_end (docs/processes.md)."
    )
    due_at: datetime
    transition: str | None = strawberry.field(
        description="The transition the system takes then, from the current state."
    )


@strawberry.type(description="How the item is handed over.")
class HandoverDetails:
    method: HandoverEnum  # type: ignore[valid-type]
    carrier: str | None
    tracking_number: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    meetup_place: str | None
    meetup_at: datetime | None
    handover_code: str | None = strawberry.field(
        description=(
            "Meet-up: the code the buyer gives the seller in person. Only the buyer sees it; "
            "null for anyone else."
        )
    )


def breakdown_type(
    currency: str,
    *,
    unit_price: int,
    quantity: int,
    item: int,
    shipping: int,
    buyer_protection: int,
    total: int,
    seller_commission: int,
    seller_net: int,
) -> PriceBreakdown:
    """The GraphQL breakdown of amounts in minor units of `currency`."""
    return PriceBreakdown(
        unit_price=amount(unit_price, currency),
        quantity=quantity,
        item=amount(item, currency),
        shipping=amount(shipping, currency),
        buyer_protection=amount(buyer_protection, currency),
        total=amount(total, currency),
        seller_commission=amount(seller_commission, currency),
        seller_net=amount(seller_net, currency),
    )


def _label(locale: str, en: str, fr: str) -> str:
    return fr if locale == "fr" else en


@strawberry.type(
    name="Order",
    description=(
        "A deal between a buyer and a seller, following its kind's declared process "
        "(docs/processes.md). Visible to its parties and to operators holding admin:disputes."
    ),
)
class OrderType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    _row: strawberry.Private[Order]

    @classmethod
    def from_model(cls, order: Order) -> OrderType:
        return cls(id=order.id, _row=order)

    @strawberry.field(description="The process state, e.g. AWAITING_PAYMENT, PAID, SHIPPED.")
    def state(self) -> str:
        return self._row.state

    @strawberry.field(description="The state's label in the caller's language.")
    def state_label(self, info: Info) -> str:
        process = ORDERS.process_of(self._row)
        s = process.state(self._row.state)
        return _label(info.context.locale, s.label_en, s.label_fr)

    @strawberry.field(description="The process (listing kind) and version it started under.")
    def process(self) -> str:
        return f"{self._row.process_kind}/v{self._row.process_version}"

    @strawberry.field(description="The caller's side(s) of the order.")
    def viewer_roles(self, info: Info) -> list[str]:
        return sorted(r.value for r in service.roles_of(info.context.actor, self._row))

    @strawberry.field(description="The transitions the caller may take now.")
    def available_transitions(self, info: Info) -> list[AvailableTransition]:
        ctx: Context = info.context
        roles = service.roles_of(ctx.actor, self._row) - {Role.SYSTEM}
        out = []
        for t in ORDERS.available(self._row, roles):
            out.append(
                AvailableTransition(
                    name=t.name,
                    label=_label(ctx.locale, t.label_en, t.label_fr),
                    label_en=t.label_en,
                    label_fr=t.label_fr,
                    inputs=[
                        TransitionInputSpec(
                            name=i.name,
                            kind=i.kind.value,
                            required=i.required,
                            label=_label(ctx.locale, i.label_en, i.label_fr),
                            max_length=i.max_length,
                        )
                        for i in t.inputs
                    ],
                )
            )
        return out

    @strawberry.field
    def quantity(self) -> int:
        return self._row.quantity

    @strawberry.field(description="Fixed when the order was created.")
    def price_breakdown(self) -> PriceBreakdown:
        o = self._row
        return breakdown_type(
            o.currency,
            unit_price=o.unit_price,
            quantity=o.quantity,
            item=o.item_amount,
            shipping=o.shipping_amount,
            buyer_protection=o.buyer_protection,
            total=o.total,
            seller_commission=o.seller_commission,
            seller_net=o.seller_net,
        )

    @strawberry.field
    def handover(self, info: Info) -> HandoverDetails:
        o = self._row
        sees_code = OrderPolicy.sees_handover_code(info.context.actor, o)
        return HandoverDetails(
            method=o.handover,
            carrier=o.carrier,
            tracking_number=o.tracking_number,
            shipped_at=o.shipped_at,
            delivered_at=o.delivered_at,
            meetup_place=o.meetup_place,
            meetup_at=o.meetup_at,
            handover_code=o.handover_code if sees_code else None,
        )

    @strawberry.field(description="The buyer's report, once a problem was reported.")
    def problem(self) -> str | None:
        return self._row.problem

    @strawberry.field
    def created_at(self) -> datetime:
        return self._row.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self._row.updated_at

    @strawberry.field(description="Increases with every transition.")
    def version(self) -> int:
        return self._row.version

    @strawberry.field(description="The offer this order came from, if any (its global id).")
    def offer_id(self) -> strawberry.ID | None:
        if self._row.offer_id is None:
            return None
        return strawberry.ID(relay.to_base64("Offer", self._row.offer_id))

    @strawberry.field
    async def listing(self, info: Info) -> ListingInterface | None:
        row = await listing_loader(info).load(self._row.listing_id)
        return listing_to_graphql(row) if row is not None else None

    @strawberry.field
    async def buyer(self, info: Info) -> MemberType | None:
        member = await member_loader(info).load(self._row.buyer_id)
        return MemberType.from_model(member) if member is not None else None

    @strawberry.field
    async def seller(self, info: Info) -> MemberType | None:
        member = await member_loader(info).load(self._row.seller_id)
        return MemberType.from_model(member) if member is not None else None

    @strawberry.field(description="Who did what, when, oldest first.")
    async def timeline(self, info: Info) -> list[OrderTimelineEntry]:
        events = await loader(info.context, "order_timelines", _timelines).load(self._row.id)
        return [
            OrderTimelineEntry(
                transition=e.transition,
                from_state=e.from_state,
                to_state=e.to_state,
                actor_role=e.actor_role,
                details=e.details,
                at=e.created_at,
                _actor_id=e.actor_member_id,
            )
            for e in events or []
        ]

    @strawberry.field(description="The armed timers, soonest first.")
    async def deadlines(self, info: Info) -> list[OrderDeadline]:
        timers = await loader(info.context, "order_deadlines", _deadlines).load(self._row.id)
        process = ORDERS.process_of(self._row)
        out = []
        for t in timers or []:
            taken = process.timed(self._row.state, t.action)
            out.append(
                OrderDeadline(
                    action=t.action, due_at=t.due_at, transition=taken.name if taken else None
                )
            )
        return out

    @strawberry.field(
        description=(
            "The rating the caller gave the other member (visible to the caller at once; null "
            "before they rate, and for anyone but the order's buyer and seller with "
            "ratings:write)."
        )
    )
    async def my_rating(
        self, info: Info
    ) -> Annotated[RatingType, strawberry.lazy("c2c_api.ratings.graphql")] | None:
        rating_type: Any = _RATING_TYPE.resolve_type()
        return await rating_type.given_on(info, self._row)

    @strawberry.field(
        description=(
            "The other member's rating of the caller: null until it is revealed (double-blind: "
            "both rated, or the window ended)."
        )
    )
    async def rating_of_me(
        self, info: Info
    ) -> Annotated[RatingType, strawberry.lazy("c2c_api.ratings.graphql")] | None:
        rating_type: Any = _RATING_TYPE.resolve_type()
        return await rating_type.received_on(info, self._row)

    @strawberry.field(
        description=(
            "Whether the caller may rate now, until when, and whether the other member rated "
            "(null for anyone but the order's buyer and seller with ratings:write)."
        )
    )
    async def rating_status(
        self, info: Info
    ) -> Annotated[RatingStatus, strawberry.lazy("c2c_api.ratings.graphql")] | None:
        status_type: Any = _RATING_STATUS.resolve_type()
        return await status_type.of_order(info, self._row)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[OrderType | None]:
        ctx: Context = info.context
        ids = parse_node_ids(node_ids)
        found = await service.get_orders(ctx.session, ctx.actor, [i for i in ids if i is not None])
        return [cls.from_model(found[i]) if i in found else None for i in ids]


async def _timelines(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return await service.order_timelines(ctx.session, ids)


async def _deadlines(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return await service.order_deadlines(ctx.session, ids)


def order_uuid(global_id: str) -> uuid.UUID:
    """The UUID inside an Order's global id; INVALID_ID (on orderId) for anything else."""
    return global_id_uuid(global_id, "Order", field="orderId")


def order_to_graphql(order: Order) -> OrderType:
    return OrderType.from_model(order)
