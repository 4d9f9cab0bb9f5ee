"""Orders: created by buying now or by an accepted offer, then moved by their process.

    create_order(session, actor, *, listing_id, quantity, handover, …)  buy now (stock reserved)
    take_transition(session, actor, *, order_id, name, inputs)         a party or an operator acts
    fire_order_timer(session, *, order_id, action)                     a due timer acts (worker)
    get_order / orders_of_member / order_timeline / order_deadlines   reads

Every change runs in the caller's transaction and writes its timeline entry and its
`order.updated` event there too, so a transition commits all of its effects or none.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ListingPolicy, OrderPolicy, require_member
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.conversations import service as conversations
from c2c_api.errors import Forbidden
from c2c_api.events.models import Timer, TimerStatus
from c2c_api.events.service import record_event, schedule_timer
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Page, Position, keyset_page
from c2c_api.kit.money import CURRENCIES
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.listings.service import get_visible_listings
from c2c_api.orders import effects as _effects  # noqa: F401 (registers the effects)
from c2c_api.orders import stock
from c2c_api.orders.errors import (
    HandoverNotOffered,
    ListingNotPurchasable,
    OrderNotFound,
    OutOfStock,
    PurchaseOfOwnListing,
)
from c2c_api.orders.models import Handover, Order, OrderEvent
from c2c_api.orders.notify import notify
from c2c_api.orders.process import (
    MAX_HANDOVER_ATTEMPTS,
    ORDERS,
    PAYMENT_DEADLINE,
    PROCESS_OF_KIND,
)
from c2c_api.payments.fees import FeeSchedule, PriceBreakdown, price_breakdown
from c2c_api.processes.declarations import Role
from c2c_api.processes.engine import Step

ORDER_UPDATED_TOPIC = "order.updated"
MAX_QUANTITY = 1000


def check_quantity(quantity: int) -> None:
    """1 to MAX_QUANTITY units (OUT_OF_STOCK on `quantity` otherwise)."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise OutOfStock("Choose a quantity from 1 to 1000.", fields=["quantity"])


def check_handover(listing: Listing, handover: Handover) -> None:
    """HANDOVER_NOT_OFFERED unless the listing offers this handover."""
    if handover == Handover.SHIPPING and not listing.shipping_enabled:
        raise HandoverNotOffered(fields=["handover"])
    if handover == Handover.MEETUP and not listing.meetup_enabled:
        raise HandoverNotOffered(fields=["handover"])


def breakdown_of(
    listing: Listing,
    *,
    unit_price: int,
    quantity: int,
    handover: Handover,
    fees: FeeSchedule | None,
) -> PriceBreakdown:
    """The price breakdown of buying `quantity` units at `unit_price` (shipping when shipped)."""
    shipping = (listing.shipping_fee or 0) if handover == Handover.SHIPPING else 0
    return price_breakdown(
        fees or FeeSchedule(),
        item=unit_price * quantity,
        shipping=shipping,
        currency=listing.currency,
        partner=listing.partner_id is not None,
    )


async def create_order(
    session: AsyncSession,
    actor: Actor,
    *,
    listing_id: uuid.UUID,
    quantity: int,
    handover: Handover,
    unit_price: int | None = None,
    offer_id: uuid.UUID | None = None,
    buyer_id: uuid.UUID | None = None,
    seller_id: uuid.UUID | None = None,
    fees: FeeSchedule | None = None,
) -> Order:
    """Buy `quantity` units now (or at an accepted offer's `unit_price`): the stock is reserved
    and the payment clock starts. The buyer is the caller unless an accepted offer says
    otherwise (WANTED: the listing's owner buys from the answering member)."""
    member_id = require_member(actor)
    buyer = buyer_id or member_id
    check_quantity(quantity)
    listing = (await get_visible_listings(session, actor, [listing_id])).get(listing_id)
    if listing is None:
        raise ListingNotPurchasable(fields=["listingId"])
    kind = listing.kind.value
    if offer_id is None:
        if kind != "SALE":
            raise ListingNotPurchasable(fields=["listingId"])
        if ListingPolicy.is_owner(actor, listing):
            raise PurchaseOfOwnListing(fields=["listingId"])
    if listing.status in (ListingStatus.RESERVED, ListingStatus.SOLD):
        # every unit is held by an order or sold: sold out (for now, if only reserved)
        raise OutOfStock(fields=["quantity"], context={"available": 0})
    if not ListingPolicy.is_live(listing) or listing.status != ListingStatus.PUBLISHED:
        raise ListingNotPurchasable(fields=["listingId"])
    price = unit_price if unit_price is not None else listing.price
    if price is None or price <= 0 or listing.currency not in CURRENCIES:
        raise ListingNotPurchasable(fields=["listingId"])
    check_handover(listing, handover)
    await conversations.ensure_not_blocked(
        session, buyer, seller_id or listing.seller_id, fields=["listingId"]
    )
    if not await stock.reserve(session, listing_id=listing.id, quantity=quantity):
        left = listing.quantity - listing.reserved_quantity - listing.sold_quantity
        raise OutOfStock(fields=["quantity"], context={"available": max(left, 0)})
    breakdown = breakdown_of(
        listing, unit_price=price, quantity=quantity, handover=handover, fees=fees
    )
    process = ORDERS.latest(PROCESS_OF_KIND[kind])
    now = utcnow()
    order = Order(
        listing_id=listing.id,
        listing_kind=listing.kind,
        process_kind=process.kind,
        process_version=process.version,
        state=process.initial,
        buyer_id=buyer,
        seller_id=seller_id or listing.seller_id,
        partner_id=listing.partner_id,
        offer_id=offer_id,
        quantity=quantity,
        currency=listing.currency,
        unit_price=price,
        item_amount=breakdown.item,
        shipping_amount=breakdown.shipping,
        buyer_protection=breakdown.buyer_protection,
        total=breakdown.total,
        seller_commission=breakdown.seller_commission,
        seller_net=breakdown.seller_net,
        platform_revenue=breakdown.platform_revenue,
        partner_revenue=breakdown.partner_revenue,
        handover=handover,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    await session.flush()
    await schedule_timer(
        session,
        subject_type=ORDERS.subject_type,
        subject_id=order.id,
        action=PAYMENT_DEADLINE,
        due_at=now + process.delays[PAYMENT_DEADLINE],
    )
    await _record(
        session,
        order,
        transition="created",
        source=None,
        role=Role.BUYER,
        actor_member_id=member_id,
        details={"quantity": quantity},
    )
    return order


def roles_of(actor: Actor, order: Order) -> set[Role]:
    """The roles the caller holds on this order (none: it may not see it)."""
    return OrderPolicy.roles(actor, order)


async def locked_order(session: AsyncSession, order_id: uuid.UUID) -> Order | None:
    """The order, row-locked for this transaction (one writer per order)."""
    # populate_existing: the row as locked now, even if this session loaded it before.
    return (
        await session.exec(
            select(Order)
            .where(col(Order.id) == order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()


async def take_transition(
    session: AsyncSession,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    name: str,
    inputs: Mapping[str, Any] | None = None,
) -> tuple[Order, Step]:
    """The caller takes one of the order's available transitions (TRANSITION_NOT_AVAILABLE
    when the state does not allow it, TRANSITION_NOT_ALLOWED when it is not theirs)."""
    order = await locked_order(session, order_id)
    if order is None:
        raise OrderNotFound(fields=["orderId"])
    roles = roles_of(actor, order)
    if not roles:
        raise OrderNotFound(fields=["orderId"])
    step = await ORDERS.take(
        session,
        order,
        name=name,
        roles=roles - {Role.SYSTEM},
        actor_member_id=actor.member_id,
        inputs=inputs,
    )
    await _after(session, order, step)
    return order, step


async def take_system_transition(session: AsyncSession, order: Order, *, name: str) -> Step:
    """The system (a provider's confirmation) takes a transition; the caller holds the lock."""
    step = await ORDERS.take(session, order, name=name, roles={Role.SYSTEM})
    await _after(session, order, step)
    return step


async def fire_order_timer(
    session: AsyncSession, *, order_id: uuid.UUID, action: str
) -> Step | None:
    """A due timer takes its transition from the order's state (none when it moved on)."""
    order = await locked_order(session, order_id)
    if order is None:
        return None
    step = await ORDERS.take_timed(session, order, action=action)
    if step is not None:
        await _after(session, order, step)
    return step


async def _after(session: AsyncSession, order: Order, step: Step) -> None:
    order.version += 1
    order.updated_at = step.now
    session.add(order)
    details = {k: v for k, v in step.inputs.items() if k != "handoverCode"}
    await _record(
        session,
        order,
        transition=step.transition.name,
        source=step.source,
        role=step.role,
        actor_member_id=step.actor_member_id,
        details={k: v.isoformat() if isinstance(v, datetime) else v for k, v in details.items()},
    )


async def _record(
    session: AsyncSession,
    order: Order,
    *,
    transition: str,
    source: str | None,
    role: Role,
    actor_member_id: uuid.UUID | None,
    details: dict[str, Any],
) -> None:
    session.add(
        OrderEvent(
            order_id=order.id,
            seq=order.version,
            transition=transition,
            from_state=source,
            to_state=order.state,
            actor_role=role.value,
            actor_member_id=actor_member_id,
            details=details,
            created_at=utcnow(),
        )
    )
    # No flush here: the timeline entry and the events go in the use case's last flush (one
    # batched INSERT per table).
    wanted = order.listing_kind == ListingKind.WANTED
    await conversations.post_system_message(
        session,
        listing_id=order.listing_id,
        interested_member_id=order.seller_id if wanted else order.buyer_id,
        owner_id=order.buyer_id if wanted else order.seller_id,
        event=ORDER_UPDATED_TOPIC,
        payload={
            "orderId": str(order.id),
            "state": order.state,
            "transition": transition,
            "version": order.version,
        },
        actor_id=actor_member_id,
    )
    for member in (order.buyer_id, order.seller_id):
        await record_event(
            session,
            topic=ORDER_UPDATED_TOPIC,
            payload={
                "orderId": str(order.id),
                "state": order.state,
                "transition": transition,
                "version": order.version,
                "actorMemberId": str(actor_member_id) if actor_member_id else None,
                "recipientId": str(member),
                "notify": member != actor_member_id,
            },
            member_id=member,
            partner_id=order.partner_id,
            flush=False,
        )
        if member != actor_member_id:
            state = ORDERS.process_of(order).state(order.state)
            await notify(
                session,
                recipient_id=member,
                kind="order",
                data={"ref": str(order.id), "label_en": state.label_en, "label_fr": state.label_fr},
            )


# Reads


async def get_orders(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Order]:
    """Orders by id the caller may see: its parties, operators with admin:disputes, the
    partner of the order's storefront with partner:orders."""
    if not ids:
        return {}
    rows = (await session.exec(select(Order).where(col(Order.id).in_(list(ids))))).all()
    return {o.id: o for o in rows if OrderPolicy.can_see(actor, o)}


OrderPage = Page[Order]


async def orders_on_listings(
    session: AsyncSession, actor: Actor, listing_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Order]]:
    """The caller's orders on each listing, newest first (one statement; for conversations)."""
    grouped: dict[uuid.UUID, list[Order]] = {i: [] for i in listing_ids}
    if not listing_ids or actor.member_id is None:
        return grouped
    rows = await session.exec(
        select(Order)
        .where(
            col(Order.listing_id).in_(list(listing_ids)),
            sa.or_(col(Order.buyer_id) == actor.member_id, col(Order.seller_id) == actor.member_id),
        )
        .order_by(col(Order.created_at).desc(), col(Order.id).desc())
    )
    for order in rows:
        if OrderPolicy.can_see(actor, order):
            grouped[order.listing_id].append(order)
    return grouped


async def orders_of_member(
    session: AsyncSession,
    actor: Actor,
    *,
    as_buyer: bool,
    states: Sequence[str] | None,
    limit: int,
    after: Position | None,
) -> OrderPage:
    """The caller's orders as buyer (or as seller), newest first, optionally by state."""
    member_id = require_member(actor)
    party = col(Order.buyer_id) if as_buyer else col(Order.seller_id)
    conditions: list[sa.ColumnElement[bool]] = [party == member_id]
    if states:
        conditions.append(col(Order.state).in_(list(states)))
    items, has_next = await keyset_page(
        session,
        select(Order).where(*conditions),
        created_at=col(Order.created_at),
        ident=col(Order.id),
        after=after,
        limit=limit,
    )
    return Page(items, has_next)


async def order_timelines(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderEvent]]:
    """The timelines of several orders, oldest step first (one statement)."""
    grouped: dict[uuid.UUID, list[OrderEvent]] = {i: [] for i in order_ids}
    if not order_ids:
        return grouped
    rows = await session.exec(
        select(OrderEvent)
        .where(col(OrderEvent.order_id).in_(list(order_ids)))
        .order_by(col(OrderEvent.order_id), col(OrderEvent.seq))
    )
    for event in rows:
        grouped[event.order_id].append(event)
    return grouped


async def order_deadlines(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Timer]]:
    """The armed timers of several orders, soonest first (one statement)."""
    grouped: dict[uuid.UUID, list[Timer]] = {i: [] for i in order_ids}
    if not order_ids:
        return grouped
    rows = await session.exec(
        select(Timer)
        .where(
            Timer.subject_type == ORDERS.subject_type,
            col(Timer.subject_id).in_(list(order_ids)),
            Timer.status == TimerStatus.PENDING,
        )
        .order_by(col(Timer.due_at))
    )
    for timer in rows:
        grouped[timer.subject_id].append(timer)
    return grouped


async def listings_of_orders(
    session: AsyncSession, listing_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Listing]:
    """The listings of orders, whatever their status now (a party sees what it bought)."""
    if not listing_ids:
        return {}
    rows = await session.exec(select(Listing).where(col(Listing.id).in_(list(listing_ids))))
    return {row.id: row for row in rows}


async def count_handover_attempt(
    session: AsyncSession, actor: Actor, *, order_id: uuid.UUID, code: str
) -> None:
    """Before the seller's `confirm_handover` (recorded apart: a refused transition rolls
    back): a wrong code counts one attempt; HANDOVER_CODE_LOCKED after the fifth."""
    order = await locked_order(session, order_id)
    if order is None or Role.SELLER not in roles_of(actor, order):
        return  # the transition itself answers (not found, not allowed)
    if order.state != "MEETUP_ARRANGED" or order.handover_code is None:
        return
    if order.handover_attempts >= MAX_HANDOVER_ATTEMPTS:
        return
    if not secrets.compare_digest(order.handover_code, code.strip()):
        order.handover_attempts += 1
        session.add(order)
        await session.flush()


async def orders_in_state(
    session: AsyncSession, actor: Actor, *, state: str, limit: int, after: Position | None
) -> OrderPage:
    """Operators (admin:disputes): every order in `state`, newest first."""
    if not (actor.is_operator and "admin:disputes" in actor.scopes):
        raise Forbidden()
    conditions: list[sa.ColumnElement[bool]] = [col(Order.state) == state]
    items, has_next = await keyset_page(
        session,
        select(Order).where(*conditions),
        created_at=col(Order.created_at),
        ident=col(Order.id),
        after=after,
        limit=limit,
    )
    return Page(items, has_next)


async def quote(
    session: AsyncSession,
    actor: Actor,
    *,
    listing_id: uuid.UUID,
    quantity: int,
    handover: Handover,
    fees: FeeSchedule | None = None,
) -> tuple[Listing, PriceBreakdown]:
    """What buying now would cost, before buying: the same breakdown create_order fixes."""
    check_quantity(quantity)
    listing = (await get_visible_listings(session, actor, [listing_id])).get(listing_id)
    if listing is None or listing.kind.value != "SALE" or listing.price is None:
        raise ListingNotPurchasable(fields=["listingId"])
    check_handover(listing, handover)
    return listing, breakdown_of(
        listing, unit_price=listing.price, quantity=quantity, handover=handover, fees=fees
    )
