"""The guards and effects the order processes name (orders/process.py), registered with the
engine. Each runs in the transition's transaction; ledger references make every posting
idempotent (`order:<id>:capture`, `…:release`, `…:refund`)."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.events.service import record_event
from c2c_api.ledger.models import AccountKind, LedgerAccount
from c2c_api.ledger.service import (
    PLATFORM_REVENUE,
    Move,
    member_available,
    member_funds,
    order_escrow,
    partner_revenue,
    post,
    post_hold,
    provider_clearing,
    register_invariant,
)
from c2c_api.orders import process as p
from c2c_api.orders import stock
from c2c_api.orders.errors import HandoverCodeInvalid, HandoverCodeLocked
from c2c_api.orders.models import (
    Order,
    OrderPayment,
    OrderRefund,
    PaymentStatus,
    RefundStatus,
)
from c2c_api.processes.engine import Step
from c2c_api.processes.errors import TransitionInputInvalid

ENGINE = p.ORDERS
MAX_HANDOVER_ATTEMPTS = p.MAX_HANDOVER_ATTEMPTS
MEETUP_HORIZON = timedelta(days=6)
REFUND_TOPIC = "order.refund"


def _order(step: Step) -> Order:
    order = step.subject
    assert isinstance(order, Order)
    return order


async def paid_payment(step: Step) -> OrderPayment:
    """The order's succeeded payment (there is one once it was paid)."""
    order = _order(step)
    payment = (
        await step.session.exec(
            select(OrderPayment).where(
                OrderPayment.order_id == order.id,
                OrderPayment.status == PaymentStatus.SUCCEEDED,
            )
        )
    ).first()
    assert payment is not None, f"order {order.id} has no succeeded payment"
    return payment


@ENGINE.effect(p.CAPTURE_ESCROW)
async def capture_escrow(step: Step) -> None:
    """The buyer's payment reaches the order's escrow: provider clearing -> buyer's funds ->
    escrow (a pending hold, when the provider confirmed later, is posted first)."""
    order = _order(step)
    payment = await paid_payment(step)
    moves = [
        Move(member_funds(order.buyer_id), order_escrow(order.id), order.total, order.currency)
    ]
    if payment.hold_id is not None:
        await post_hold(step.session, hold_id=payment.hold_id, kind="payment.confirmed")
    else:
        moves.insert(
            0,
            Move(
                provider_clearing(payment.provider),
                member_funds(order.buyer_id),
                order.total,
                order.currency,
            ),
        )
    await post(
        step.session,
        reference=f"order:{order.id}:capture",
        kind="escrow.held",
        moves=moves,
        order_id=order.id,
    )
    order.paid_at = step.now


@ENGINE.effect(p.RELEASE_ESCROW)
async def release_escrow(step: Step) -> None:
    """Completion: the escrow goes to the seller (net), the platform and the partner."""
    order = _order(step)
    escrow = order_escrow(order.id)
    moves = [Move(escrow, member_available(order.seller_id), order.seller_net, order.currency)]
    if order.platform_revenue:
        moves.append(Move(escrow, PLATFORM_REVENUE, order.platform_revenue, order.currency))
    if order.partner_revenue and order.partner_id is not None:
        moves.append(
            Move(escrow, partner_revenue(order.partner_id), order.partner_revenue, order.currency)
        )
    await post(
        step.session,
        reference=f"order:{order.id}:release",
        kind="escrow.released",
        moves=moves,
        order_id=order.id,
    )
    order.completed_at = step.now


@ENGINE.effect(p.REFUND_ESCROW)
async def refund_escrow(step: Step) -> None:
    """Cancellation after payment: the escrow goes back to the buyer's funds, and a refund to
    their payment method is queued (the provider is called after the commit)."""
    order = _order(step)
    payment = await paid_payment(step)
    await post(
        step.session,
        reference=f"order:{order.id}:refund",
        kind="escrow.refunded",
        moves=[
            Move(order_escrow(order.id), member_funds(order.buyer_id), order.total, order.currency)
        ],
        order_id=order.id,
    )
    refund = OrderRefund(
        order_id=order.id,
        payment_id=payment.id,
        amount=order.total,
        currency=order.currency,
        status=RefundStatus.PENDING,
        created_at=step.now,
    )
    step.session.add(refund)
    await step.session.flush()
    await record_event(step.session, topic=REFUND_TOPIC, payload={"refundId": str(refund.id)})
    order.cancelled_at = step.now


@ENGINE.effect(p.RELEASE_STOCK)
async def release_stock(step: Step) -> None:
    order = _order(step)
    await stock.release(step.session, listing_id=order.listing_id, quantity=order.quantity)
    if order.cancelled_at is None:
        order.cancelled_at = step.now


@ENGINE.effect(p.SELL_STOCK)
async def sell_stock(step: Step) -> None:
    order = _order(step)
    await stock.sell(step.session, listing_id=order.listing_id, quantity=order.quantity)


@ENGINE.effect(p.RECORD_SHIPMENT)
async def record_shipment(step: Step) -> None:
    order = _order(step)
    order.carrier = step.inputs["carrier"]
    order.tracking_number = step.inputs["trackingNumber"]
    order.shipped_at = step.now


@ENGINE.effect(p.RECORD_MEETUP)
async def record_meetup(step: Step) -> None:
    """The place and time, and the handover code only the buyer sees."""
    order = _order(step)
    order.meetup_place = step.inputs["meetupPlace"]
    order.meetup_at = step.inputs["meetupAt"]
    order.handover_code = f"{secrets.randbelow(1_000_000):06d}"
    order.handover_attempts = 0


@ENGINE.effect(p.RECORD_DELIVERY)
async def record_delivery(step: Step) -> None:
    _order(step).delivered_at = step.now


@ENGINE.effect(p.RECORD_PROBLEM)
async def record_problem(step: Step) -> None:
    _order(step).problem = step.inputs["reason"]


@ENGINE.guard(p.MEETUP_IN_FUTURE)
async def meetup_in_future(step: Step) -> None:
    at = step.inputs["meetupAt"]
    if not step.now < at <= step.now + MEETUP_HORIZON:
        raise TransitionInputInvalid(
            "The meet-up must be in the future, within 6 days.", fields=["input.meetupAt"]
        )


@ENGINE.guard(p.HANDOVER_CODE_MATCHES)
async def handover_code_matches(step: Step) -> None:
    """The code the seller entered is the buyer's. Wrong attempts are counted apart, before
    the transition (orders.service.count_handover_attempt), since a refused transition rolls
    back."""
    order = _order(step)
    if order.handover_attempts >= MAX_HANDOVER_ATTEMPTS:
        raise HandoverCodeLocked(fields=["input.handoverCode"])
    if not secrets.compare_digest(str(order.handover_code), step.inputs["handoverCode"]):
        raise HandoverCodeInvalid(
            fields=["input.handoverCode"],
            context={"attemptsLeft": MAX_HANDOVER_ATTEMPTS - order.handover_attempts},
        )


ENGINE.verify()


async def escrow_matches_state(session: AsyncSession) -> list[str]:
    """The ledger check's per-order invariant: an order's escrow holds its total exactly while
    its state says the money is held (PAID … DISPUTED), and nothing otherwise."""
    accounts = select(LedgerAccount.order_id, LedgerAccount.currency, LedgerAccount.balance).where(
        col(LedgerAccount.kind) == AccountKind.ESCROW
    )
    held: dict[tuple[uuid.UUID, str], int] = {
        (order_id, currency): int(amount)
        for order_id, currency, amount in (await session.exec(accounts)).all()
        if order_id is not None
    }
    problems: list[str] = []
    orders = select(Order.id, Order.state, Order.total, Order.currency)
    for order_id, state, total, currency in (await session.exec(orders)).all():
        expected = total if state in p.ESCROW_HELD_STATES else 0
        actual = held.pop((order_id, currency), 0)
        if actual != expected:
            problems.append(
                f"order {order_id} in state {state}: escrow {actual} {currency}, "
                f"expected {expected}"
            )
    # Escrow accounts naming no order (the ledger's own tests post to such) are the ledger's
    # business: its own invariants (balanced, never negative) cover them.
    return problems


register_invariant("orders.escrow_matches_state", escrow_matches_state)
