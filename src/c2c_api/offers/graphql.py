"""GraphQL types and entry points of offers (SALE best offers, WANTED answers)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from c2c_api.graphql.amounts import AmountType, MinorUnits, amount
from c2c_api.graphql.errors import UserError, mutation_payload, payload_of_use_case
from c2c_api.graphql.idempotency import idempotent
from c2c_api.graphql.loaders import parse_node_ids
from c2c_api.graphql.permissions import requires
from c2c_api.graphql.relay import connection, decode_cursor, global_id_uuid
from c2c_api.listings.graphql import ListingInterface, listing_loader, listing_to_graphql
from c2c_api.listings.ids import listing_uuid
from c2c_api.offers import service
from c2c_api.offers.models import Offer, OfferParty, OfferStatus
from c2c_api.orders.graphql import HandoverEnum, OrderType
from c2c_api.orders.models import Handover
from c2c_api.payments.fees import FeeSchedule
from c2c_api.users.graphql import MemberType, member_loader

if TYPE_CHECKING:
    from c2c_api.graphql.context import Context

OfferStatusEnum = strawberry.enum(OfferStatus, name="OfferStatus")
OfferPartyEnum = strawberry.enum(OfferParty, name="OfferParty")
MY_OFFERS_SCOPE = "Query.myOffers"


@strawberry.enum(name="OfferDirection", description="Offers the caller made, or received.")
class OfferDirection(Enum):
    MADE = "MADE"
    RECEIVED = "RECEIVED"


@strawberry.type(
    name="Offer",
    description=(
        "One offer of a negotiation (a counter-offer is a new Offer answering the previous "
        "one). Visible to its two parties."
    ),
)
class OfferType(relay.Node):
    id: relay.NodeID[uuid.UUID]
    _row: strawberry.Private[Offer]

    @classmethod
    def from_model(cls, offer: Offer) -> OfferType:
        return cls(id=offer.id, _row=offer)

    @strawberry.field(description="Price per unit.")
    def amount(self) -> AmountType:
        return amount(self._row.amount, self._row.currency)

    @strawberry.field(description="Amount times quantity.")
    def total(self) -> AmountType:
        return amount(self._row.amount * self._row.quantity, self._row.currency)

    @strawberry.field
    def quantity(self) -> int:
        return self._row.quantity

    @strawberry.field
    def status(self) -> OfferStatusEnum:  # type: ignore[valid-type]
        return self._row.status

    @strawberry.field(description="Who made this offer: the buyer, or the seller (a counter).")
    def made_by(self) -> OfferPartyEnum:  # type: ignore[valid-type]
        return self._row.made_by

    @strawberry.field
    def message(self) -> str | None:
        return self._row.message

    @strawberry.field(description="Answered automatically by the seller's thresholds.")
    def automatic(self) -> bool:
        return self._row.auto

    @strawberry.field
    def handover(self) -> HandoverEnum | None:  # type: ignore[valid-type]
        return Handover(self._row.handover) if self._row.handover else None

    @strawberry.field
    def expires_at(self) -> datetime:
        return self._row.expires_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self._row.created_at

    @strawberry.field
    def answered_at(self) -> datetime | None:
        return self._row.answered_at

    @strawberry.field(description="The caller may accept, decline or counter it now.")
    def viewer_can_answer(self, info: Info) -> bool:
        me = info.context.actor.member_id
        maker = self._row.buyer_id if self._row.made_by == OfferParty.BUYER else self._row.seller_id
        return self._row.status == OfferStatus.PENDING and me is not None and me != maker

    @strawberry.field(description="The offer this one counters (null for the first).")
    def counters_offer_id(self) -> strawberry.ID | None:
        if self._row.parent_id is None:
            return None
        return strawberry.ID(relay.to_base64("Offer", self._row.parent_id))

    @strawberry.field
    async def listing(self, info: Info) -> ListingInterface | None:
        row = await listing_loader(info).load(self._row.listing_id)
        return listing_to_graphql(row) if row is not None else None

    @strawberry.field(description="WANTED answers: the answering member's proposed listing.")
    async def offered_listing(self, info: Info) -> ListingInterface | None:
        if self._row.offered_listing_id is None:
            return None
        row = await listing_loader(info).load(self._row.offered_listing_id)
        return listing_to_graphql(row) if row is not None else None

    @strawberry.field
    async def buyer(self, info: Info) -> MemberType | None:
        member = await member_loader(info).load(self._row.buyer_id)
        return MemberType.from_model(member) if member is not None else None

    @strawberry.field
    async def seller(self, info: Info) -> MemberType | None:
        member = await member_loader(info).load(self._row.seller_id)
        return MemberType.from_model(member) if member is not None else None

    @strawberry.field(
        description=(
            "The order created when it was accepted (null too when the token may not see "
            "orders: that needs orders:write)."
        )
    )
    async def order(self, info: Info) -> OrderType | None:
        if self._row.order_id is None:
            return None
        found = await OrderType.resolve_nodes(info=info, node_ids=[str(self._row.order_id)])
        return next(iter(found), None)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Iterable[OfferType | None]:
        ctx: Context = info.context
        ids = parse_node_ids(node_ids)
        found = await service.get_offers(ctx.session, ctx.actor, [i for i in ids if i is not None])
        return [cls.from_model(found[i]) if i in found else None for i in ids]


def _units(value: int | None) -> MinorUnits | None:
    return MinorUnits(value) if value is not None else None


def offer_uuid(global_id: str) -> uuid.UUID:
    return global_id_uuid(global_id, "Offer", field="offerId")


async def _offer(info: Info, offer_id: uuid.UUID) -> OfferType:
    ctx: Context = info.context
    found = await service.get_offers(ctx.session, ctx.actor, [offer_id])
    return OfferType.from_model(found[offer_id])


@strawberry.type(
    description=(
        "The offer was made. `offer.status` tells whether the seller's thresholds answered it "
        "at once (ACCEPTED, with `order`; DECLINED)."
    )
)
class OfferSuccess:
    offer: OfferType


OfferPayload = Annotated[OfferSuccess | UserError, strawberry.union("OfferPayload")]


@strawberry.type(description="The offer was accepted: the order awaits the buyer's payment.")
class AcceptOfferSuccess:
    offer: OfferType
    order: OrderType | None = strawberry.field(
        description="The new order (null when the token may not see orders: no orders:write)."
    )


AcceptOfferPayload = Annotated[
    AcceptOfferSuccess | UserError, strawberry.union("AcceptOfferPayload")
]


@strawberry.type(description="The seller's automatic answers on the listing.")
class OfferRulesSuccess:
    listing_id: strawberry.ID
    auto_accept_amount: MinorUnits | None
    auto_decline_amount: MinorUnits | None


OfferRulesPayload = Annotated[OfferRulesSuccess | UserError, strawberry.union("OfferRulesPayload")]


@strawberry.type
class OfferQuery:
    @strawberry.field(
        description="Offers the caller made or received, newest first, optionally by status.",
        extensions=[requires("offers:write")],
    )
    async def my_offers(
        self,
        info: Info,
        direction: OfferDirection,
        statuses: list[OfferStatusEnum] | None = None,  # type: ignore[valid-type]
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[OfferType] | None:
        ctx: Context = info.context
        page = await service.offers_of_member(
            ctx.session,
            ctx.actor,
            made=direction == OfferDirection.MADE,
            statuses=[OfferStatus(s) for s in statuses] if statuses else None,
            limit=first,
            after=decode_cursor(info, MY_OFFERS_SCOPE, after),
        )
        return connection(
            info,
            page,
            scope=MY_OFFERS_SCOPE,
            node=OfferType.from_model,
            key=lambda o: (o.created_at, o.id),
            after=after,
        )


@strawberry.type
class OfferMutation:
    @strawberry.mutation(
        description=(
            "Offer a price per unit on a SALE listing that takes offers (at least 50 % of the "
            "price, in its currency; expires after 48 hours), or answer a WANTED listing with "
            "a price and optionally one of your own listings. At most 3 open offers per "
            "listing and 20 in all."
        ),
        extensions=[requires("offers:write")],
    )
    @mutation_payload
    async def make_offer(
        self,
        info: Info,
        listing_id: strawberry.ID,
        amount: MinorUnits,
        currency: str,
        quantity: int = 1,
        handover: HandoverEnum | None = None,  # type: ignore[valid-type]
        message: str | None = None,
        offered_listing_id: strawberry.ID | None = None,
    ) -> OfferPayload | None:
        ctx: Context = info.context
        outcome = await service.make_offer(
            ctx.session,
            ctx.actor,
            listing_id=listing_uuid(listing_id, "listingId"),
            amount=int(amount),
            currency=currency,
            quantity=quantity,
            handover=Handover(handover) if handover is not None else None,
            message=message,
            offered_listing_id=(
                listing_uuid(offered_listing_id, "offeredListingId")
                if offered_listing_id is not None
                else None
            ),
            fees=FeeSchedule.from_settings(ctx.settings),
        )
        return OfferSuccess(offer=OfferType.from_model(outcome.offer))

    @strawberry.mutation(
        description=(
            "Answer an offer addressed to you with another amount: it replaces that offer "
            "(COUNTERED) and expires after 48 hours."
        ),
        extensions=[requires("offers:write")],
    )
    @mutation_payload
    async def counter_offer(
        self,
        info: Info,
        offer_id: strawberry.ID,
        amount: MinorUnits,
        message: str | None = None,
    ) -> OfferPayload | None:
        ctx: Context = info.context
        outcome = await service.counter_offer(
            ctx.session,
            ctx.actor,
            offer_id=offer_uuid(offer_id),
            amount=int(amount),
            message=message,
        )
        return OfferSuccess(offer=OfferType.from_model(outcome.offer))

    @strawberry.mutation(
        description=(
            "Accept an offer addressed to you: the order is created at its price, the stock "
            "reserved, and the buyer has 30 minutes to pay. WANTED: choose the handover."
        ),
        extensions=[requires("offers:write")],
    )
    @payload_of_use_case
    async def accept_offer(
        self,
        info: Info,
        offer_id: strawberry.ID,
        idempotency_key: str,
        handover: HandoverEnum | None = None,  # type: ignore[valid-type]
    ) -> AcceptOfferPayload | None:
        ctx: Context = info.context
        ident = offer_uuid(offer_id)
        method = Handover(handover) if handover is not None else None

        async def use_case(session: Any) -> dict[str, Any]:
            outcome = await service.accept_offer(
                session,
                ctx.actor,
                offer_id=ident,
                handover=method,
                fees=FeeSchedule.from_settings(ctx.settings),
            )
            assert outcome.order is not None
            return {"offerId": str(ident), "orderId": str(outcome.order.id)}

        value = await idempotent(
            info,
            operation="acceptOffer",
            key=idempotency_key,
            arguments={"offerId": str(ident), "handover": method.value if method else None},
            use_case=use_case,
        )
        found = await OrderType.resolve_nodes(info=info, node_ids=[value["orderId"]])
        return AcceptOfferSuccess(offer=await _offer(info, ident), order=next(iter(found), None))

    @strawberry.mutation(
        description="Decline an offer addressed to you.",
        extensions=[requires("offers:write")],
    )
    @mutation_payload
    async def decline_offer(self, info: Info, offer_id: strawberry.ID) -> OfferPayload | None:
        ctx: Context = info.context
        offer = await service.decline_offer(ctx.session, ctx.actor, offer_id=offer_uuid(offer_id))
        return OfferSuccess(offer=OfferType.from_model(offer))

    @strawberry.mutation(
        description="Withdraw an offer you made while it is pending.",
        extensions=[requires("offers:write")],
    )
    @mutation_payload
    async def withdraw_offer(self, info: Info, offer_id: strawberry.ID) -> OfferPayload | None:
        ctx: Context = info.context
        offer = await service.withdraw_offer(ctx.session, ctx.actor, offer_id=offer_uuid(offer_id))
        return OfferSuccess(offer=OfferType.from_model(offer))

    @strawberry.mutation(
        description=(
            "Set (or clear, with null) your automatic answers on one of your SALE listings: "
            "offers at or above `autoAcceptAmount` are accepted at once, offers below "
            "`autoDeclineAmount` declined at once."
        ),
        extensions=[requires("listings:write")],
    )
    @mutation_payload
    async def set_offer_rules(
        self,
        info: Info,
        listing_id: strawberry.ID,
        auto_accept_amount: MinorUnits | None = None,
        auto_decline_amount: MinorUnits | None = None,
    ) -> OfferRulesPayload | None:
        ctx: Context = info.context
        rules = await service.set_offer_rules(
            ctx.session,
            ctx.actor,
            listing_id=listing_uuid(listing_id, "listingId"),
            auto_accept_amount=auto_accept_amount,
            auto_decline_amount=auto_decline_amount,
        )
        return OfferRulesSuccess(
            listing_id=listing_id,
            auto_accept_amount=_units(rules.auto_accept_amount),
            auto_decline_amount=_units(rules.auto_decline_amount),
        )
