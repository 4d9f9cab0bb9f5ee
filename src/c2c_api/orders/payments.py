"""Paying an order through the payment provider, never inside a transaction.

pay_order(db, actor, provider, *, order_id, payment_method)
  1. start_payment   (transaction)  the attempt (PROCESSING), one live attempt per order
  2. provider.charge (no transaction) idempotent at the provider by the attempt's id
  3. record_charge   (transaction)  SUCCEEDED: escrow held, order PAID;
                                    PENDING: a pending ledger hold, order PAYMENT_PENDING;
                                    refused: the attempt FAILED, the order still awaits
Webhooks (charge.succeeded / charge.failed) settle PENDING attempts later; a success that
arrives after the order was cancelled is refunded at once. Refunds are queued by the
refund_escrow effect and sent by `RefundDelivery` (a leased outbox handler).
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, require_member
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent
from c2c_api.events.service import record_event
from c2c_api.kit.clock import utcnow
from c2c_api.ledger.models import HoldStatus, LedgerHold
from c2c_api.ledger.service import (
    Move,
    hold,
    member_funds,
    post,
    post_hold,
    provider_clearing,
    void_hold,
)
from c2c_api.orders.effects import REFUND_TOPIC
from c2c_api.orders.errors import (
    CardInsufficientFunds,
    NotTheBuyer,
    OrderNotFound,
    OrderNotPayable,
    PaymentDeclined,
)
from c2c_api.orders.models import (
    Order,
    OrderPayment,
    OrderRefund,
    PaymentStatus,
    RefundStatus,
)
from c2c_api.orders.process import ORDERS, PAYMENT_CONFIRMATION_DEADLINE
from c2c_api.orders.service import locked_order, roles_of, take_system_transition
from c2c_api.payments.factory import provider_from_settings
from c2c_api.payments.providers import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    PaymentProvider,
    RefundRequest,
    WebhookEvent,
    WebhookType,
)
from c2c_api.payments.providers import RefundStatus as ProviderRefundStatus
from c2c_api.payments.webhooks import register_webhook_handler
from c2c_api.processes.declarations import Role

PAYABLE = ("AWAITING_PAYMENT",)
# Called inside the transaction that records the outcome (an idempotency key's completion).
Finish = Callable[[AsyncSession, Mapping[str, Any]], Awaitable[object]]
# Opens each transaction of the payment (an idempotency key's Claim.transaction: the first
# claims the key); Database.transaction without one.
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def start_payment(
    session: AsyncSession,
    actor: Actor,
    *,
    order_id: uuid.UUID,
    payment_method: str,
    provider: str,
) -> OrderPayment:
    """The payment attempt of the order (an earlier PROCESSING one is resumed: same id, so
    the provider charges once)."""
    member_id = require_member(actor)
    order = await locked_order(session, order_id)
    if order is None or not roles_of(actor, order):
        raise OrderNotFound(fields=["orderId"])
    if Role.BUYER not in roles_of(actor, order):
        raise NotTheBuyer(fields=["orderId"])
    live = (
        await session.exec(
            select(OrderPayment).where(
                OrderPayment.order_id == order.id,
                col(OrderPayment.status).in_(
                    [PaymentStatus.PROCESSING, PaymentStatus.PENDING, PaymentStatus.SUCCEEDED]
                ),
            )
        )
    ).first()
    if live is not None and live.status == PaymentStatus.PROCESSING:
        return live
    if live is not None or order.state not in PAYABLE:
        raise OrderNotPayable(fields=["orderId"], context={"state": order.state})
    now = utcnow()
    payment = OrderPayment(
        order_id=order.id,
        payer_id=member_id,
        provider=provider,
        amount=order.total,
        currency=order.currency,
        status=PaymentStatus.PROCESSING,
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    await session.flush()
    return payment


async def record_charge(
    session: AsyncSession, *, payment_id: uuid.UUID, result: ChargeResult
) -> tuple[OrderPayment, Order]:
    """What the provider answered, applied to the attempt and its order (both returned)."""
    payment = await session.get(OrderPayment, payment_id, with_for_update=True)
    assert payment is not None
    order = await locked_order(session, payment.order_id)
    assert order is not None
    if payment.status != PaymentStatus.PROCESSING:
        return payment, order  # a webhook settled it first
    payment.provider_ref = result.provider_ref
    payment.updated_at = utcnow()
    if result.status == ChargeStatus.SUCCEEDED:
        await _succeeded(session, payment, order)
    elif result.status == ChargeStatus.PENDING:
        payment.status = PaymentStatus.PENDING
        if order.state in PAYABLE:
            await take_system_transition(session, order, name="payment_pending")
        delay = ORDERS.process_of(order).delays[PAYMENT_CONFIRMATION_DEADLINE]
        pending = await hold(
            session,
            reference=f"payment:{payment.id}:pending",
            source=provider_clearing(payment.provider),
            destination=member_funds(order.buyer_id),
            amount=payment.amount,
            currency=payment.currency,
            expires_at=utcnow() + delay + timedelta(minutes=5),
            order_id=order.id,
        )
        payment.hold_id = pending.id
    else:
        payment.status = PaymentStatus.FAILED
        payment.failure_reason = result.failure_reason or result.status.value
    session.add(payment)
    await session.flush()
    return payment, order


async def _succeeded(session: AsyncSession, payment: OrderPayment, order: Order) -> None:
    payment.status = PaymentStatus.SUCCEEDED
    session.add(payment)
    await session.flush()
    if order.state in ("AWAITING_PAYMENT", "PAYMENT_PENDING"):
        await take_system_transition(session, order, name="payment_succeeded")
        return
    # The order was cancelled meanwhile (deadline): take the money in and give it back.
    if payment.hold_id is not None:
        held = await _hold_is_pending(session, payment.hold_id)
        if held:
            await post_hold(session, hold_id=payment.hold_id, kind="payment.confirmed_late")
        else:
            await _take_in(session, payment, order)
    else:
        await _take_in(session, payment, order)
    refund = OrderRefund(
        order_id=order.id,
        payment_id=payment.id,
        amount=payment.amount,
        currency=payment.currency,
        status=RefundStatus.PENDING,
        created_at=utcnow(),
    )
    session.add(refund)
    await session.flush()
    await record_event(session, topic=REFUND_TOPIC, payload={"refundId": str(refund.id)})


async def _take_in(session: AsyncSession, payment: OrderPayment, order: Order) -> None:
    await post(
        session,
        reference=f"payment:{payment.id}:late",
        kind="payment.late",
        moves=[
            Move(
                provider_clearing(payment.provider),
                member_funds(order.buyer_id),
                payment.amount,
                payment.currency,
            )
        ],
        order_id=order.id,
    )


async def _hold_is_pending(session: AsyncSession, hold_id: uuid.UUID) -> bool:
    found = await session.get(LedgerHold, hold_id)
    return found is not None and found.status == HoldStatus.PENDING


async def pay_order(
    db: Database,
    actor: Actor,
    provider: PaymentProvider,
    *,
    order_id: uuid.UUID,
    payment_method: str,
    finish: Finish | None = None,
    transaction: Transaction | None = None,
    committed: list[Order] | None = None,
) -> dict[str, Any]:
    """Pay the order (the three steps of the module docstring); {"orderId", "paymentId"}.
    A declined card raises PAYMENT_DECLINED / CARD_INSUFFICIENT_FUNDS after the failed
    attempt is recorded. `transaction` opens steps 1 and 3 (an idempotency key is claimed
    in step 1 and answered by `finish` in step 3)."""
    begin = transaction or db.transaction
    async with begin() as session:
        payment = await start_payment(
            session,
            actor,
            order_id=order_id,
            payment_method=payment_method,
            provider=provider.name,
        )
        request = ChargeRequest(
            payment_id=payment.id,
            amount=payment.amount,
            currency=payment.currency,
            payment_method=payment_method,
            description=f"order {order_id}",
        )
    result = await provider.charge(request)
    value = {"orderId": str(order_id), "paymentId": str(request.payment_id)}
    async with begin() as session:
        recorded, order = await record_charge(session, payment_id=request.payment_id, result=result)
        if recorded.status != PaymentStatus.FAILED and finish is not None:
            await finish(session, value)
        if committed is not None:  # the order as this transaction leaves it (the response)
            committed.append(order)
    if recorded.status == PaymentStatus.FAILED:
        if result.status == ChargeStatus.INSUFFICIENT_FUNDS:
            raise CardInsufficientFunds(fields=["paymentMethod"])
        raise PaymentDeclined(fields=["paymentMethod"], context={"reason": recorded.failure_reason})
    return value


async def _payment_by_ref(
    session: AsyncSession, event: WebhookEvent
) -> tuple[OrderPayment, Order] | None:
    payment = (
        await session.exec(
            select(OrderPayment)
            .where(
                OrderPayment.provider == event.provider,
                OrderPayment.provider_ref == event.object_ref,
            )
            .with_for_update()
        )
    ).first()
    if payment is None:
        return None
    order = await locked_order(session, payment.order_id)
    assert order is not None
    await session.refresh(payment)
    return payment, order


async def on_charge_succeeded(session: AsyncSession, event: WebhookEvent) -> str:
    """A pending payment was confirmed: escrow held (or refunded if the order was cancelled)."""
    found = await _payment_by_ref(session, event)
    if found is None:
        return "unknown payment"
    payment, order = found
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.PROCESSING):
        return f"payment already {payment.status.value.lower()}"
    await _succeeded(session, payment, order)
    return "processed"


async def on_charge_failed(session: AsyncSession, event: WebhookEvent) -> str:
    """A pending payment was refused: the hold is voided, the buyer may pay again."""
    found = await _payment_by_ref(session, event)
    if found is None:
        return "unknown payment"
    payment, order = found
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.PROCESSING):
        return f"payment already {payment.status.value.lower()}"
    payment.status = PaymentStatus.FAILED
    payment.failure_reason = str(event.data.get("reason", "declined"))[:200]
    payment.updated_at = utcnow()
    session.add(payment)
    if payment.hold_id is not None and await _hold_is_pending(session, payment.hold_id):
        await void_hold(session, hold_id=payment.hold_id)
    await session.flush()
    if order.state == "PAYMENT_PENDING":
        await take_system_transition(session, order, name="payment_failed")
    return "processed"


class RefundRefused(RuntimeError):
    """The provider refused a refund (FAILED): the outbox event fails and is retried."""


class RefundDelivery:
    """Leased outbox handler of `order.refund`: asks the provider to refund (outside any
    transaction, idempotent by the refund's id), then posts buyer funds -> provider clearing."""

    def __init__(self, db: Database, provider: PaymentProvider) -> None:
        self.db = db
        self.provider = provider

    async def __call__(self, event: OutboxEvent) -> None:
        refund_id = uuid.UUID(str(event.payload["refundId"]))
        async with self.db.transaction() as session:
            refund = await session.get(OrderRefund, refund_id)
            if refund is None or refund.status == RefundStatus.SUCCEEDED:
                return
            payment = await session.get(OrderPayment, refund.payment_id)
            assert payment is not None and payment.provider_ref is not None
            request = RefundRequest(
                refund_id=refund.id,
                provider_ref=payment.provider_ref,
                amount=refund.amount,
                currency=refund.currency,
            )
        result = await self.provider.refund(request)
        if result.status == ProviderRefundStatus.FAILED:
            # Nothing left the buyer's funds: fail the event (the outbox retries it, then
            # keeps it as a dead letter for an operator) rather than post a refund not sent.
            raise RefundRefused(f"refund {refund_id}: the provider refused it")
        async with self.db.transaction() as session:
            if result.status == ProviderRefundStatus.SUCCEEDED:
                await settle_refund(session, refund_id=refund_id, provider_ref=result.provider_ref)
            else:  # PENDING: refund.succeeded arrives by webhook
                refund = await session.get(OrderRefund, refund_id, with_for_update=True)
                assert refund is not None
                refund.provider_ref = result.provider_ref
                session.add(refund)


async def settle_refund(
    session: AsyncSession, *, refund_id: uuid.UUID, provider_ref: str | None
) -> OrderRefund:
    """The refund reached the buyer's payment method: buyer funds -> provider clearing
    (once: a settled refund is left alone)."""
    refund = await session.get(OrderRefund, refund_id, with_for_update=True, populate_existing=True)
    assert refund is not None
    if refund.status == RefundStatus.SUCCEEDED:
        return refund
    order = await session.get(Order, refund.order_id)
    payment = await session.get(OrderPayment, refund.payment_id)
    assert order is not None and payment is not None
    await post(
        session,
        reference=f"refund:{refund.id}",
        kind="refund.sent",
        moves=[
            Move(
                member_funds(order.buyer_id),
                provider_clearing(payment.provider),
                refund.amount,
                refund.currency,
            )
        ],
        order_id=refund.order_id,
    )
    refund.status = RefundStatus.SUCCEEDED
    if provider_ref is not None:
        refund.provider_ref = provider_ref
    refund.completed_at = utcnow()
    session.add(refund)
    await session.flush()
    return refund


async def on_refund_succeeded(session: AsyncSession, event: WebhookEvent) -> str:
    """A pending refund was confirmed by the provider."""
    refund = (
        await session.exec(select(OrderRefund).where(OrderRefund.provider_ref == event.object_ref))
    ).first()
    if refund is None:
        return "unknown refund"
    await settle_refund(session, refund_id=refund.id, provider_ref=None)
    return "processed"


_PROVIDERS: weakref.WeakKeyDictionary[Database, PaymentProvider] = weakref.WeakKeyDictionary()


def provider_for(db: Database, settings: Settings) -> PaymentProvider:
    """The payment provider of this process (one per database: the sandbox keeps its state
    there)."""
    provider = _PROVIDERS.get(db)
    if provider is None:
        provider = _PROVIDERS[db] = provider_from_settings(settings, db)
    return provider


register_webhook_handler(WebhookType.CHARGE_SUCCEEDED.value, on_charge_succeeded)
register_webhook_handler(WebhookType.CHARGE_FAILED.value, on_charge_failed)
register_webhook_handler(WebhookType.REFUND_SUCCEEDED.value, on_refund_succeeded)
