"""A member's money: balances per currency, ledger entries, payouts (docs/payments.md).

request_payout(db, actor, provider, *, amount, currency, destination)
  1. (transaction)    a pending ledger hold: available -> payouts in transit; the payout
  2. provider.payout  (no transaction; idempotent at the provider by the payout's id)
  3. (transaction)    PAID: the hold is posted and in transit -> provider clearing;
                      PENDING: settled later by webhook; FAILED: the hold is voided
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, can_see_money_of, require_member
from c2c_api.db import Database
from c2c_api.errors import InvalidInput
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Page, Position, keyset_page
from c2c_api.kit.money import CURRENCIES
from c2c_api.ledger.errors import AmountOutOfRange
from c2c_api.ledger.models import LedgerEntry, LedgerTransaction
from c2c_api.ledger.service import (
    PAYOUTS_IN_TRANSIT,
    Move,
    hold,
    member_available,
    member_balances,
    member_funds,
    post,
    post_hold,
    provider_clearing,
    void_hold,
)
from c2c_api.orders.models import Order
from c2c_api.orders.process import ESCROW_HELD_STATES
from c2c_api.payments.providers import (
    PaymentProvider,
    PayoutRequest,
    PayoutResult,
    ProviderUnavailable,
    WebhookEvent,
    WebhookType,
)
from c2c_api.payments.webhooks import register_webhook_handler
from c2c_api.wallet.models import Payout, PayoutStatus

MAX_AMOUNT = 10**12
_DESTINATION = re.compile(r"^[A-Za-z0-9_\-]{2,64}$")


@dataclass(frozen=True)
class Balance:
    currency: str
    available: int  # may be paid out now
    pending_payouts: int  # held for payouts on their way
    incoming: int  # the seller's net in the escrow of open orders (released at completion)
    refunds_due: int  # refunds on their way back to the buyer's payment method


async def balances(session: AsyncSession, actor: Actor) -> list[Balance]:
    """The caller's balances, one per currency they ever used."""
    member_id = require_member(actor)
    rows = {b.currency: b for b in await member_balances(session, member_id=member_id)}
    incoming = {
        currency: int(total)
        for currency, total in (
            await session.exec(
                select(Order.currency, sa.func.sum(Order.seller_net))
                .where(
                    Order.seller_id == member_id,
                    col(Order.state).in_(list(ESCROW_HELD_STATES)),
                )
                .group_by(col(Order.currency))
            )
        ).all()
    }
    out = []
    for currency in sorted(set(rows) | set(incoming)):
        row = rows.get(currency)
        out.append(
            Balance(
                currency=currency,
                available=row.available - row.pending_out if row else 0,
                pending_payouts=row.pending_out if row else 0,
                incoming=incoming.get(currency, 0),
                refunds_due=row.funds if row else 0,
            )
        )
    return out


EntryPage = Page[LedgerEntry]


async def ledger_entries(
    session: AsyncSession,
    actor: Actor,
    *,
    currency: str | None,
    limit: int,
    after: Position | None,
) -> EntryPage:
    """The entries of the caller's accounts (funds and available), newest first."""
    member_id = require_member(actor)
    accounts = [member_available(member_id), member_funds(member_id)]
    conditions: list[sa.ColumnElement[bool]] = [col(LedgerEntry.account).in_(accounts)]
    if currency is not None:
        conditions.append(col(LedgerEntry.currency) == currency)
    items, has_next = await keyset_page(
        session,
        select(LedgerEntry).where(*conditions),
        created_at=col(LedgerEntry.created_at),
        ident=col(LedgerEntry.id),
        after=after,
        limit=limit,
    )
    return Page(items, has_next)


PayoutPage = Page[Payout]


async def payouts_of_member(
    session: AsyncSession, actor: Actor, *, limit: int, after: Position | None
) -> PayoutPage:
    member_id = require_member(actor)
    conditions: list[sa.ColumnElement[bool]] = [col(Payout.member_id) == member_id]
    items, has_next = await keyset_page(
        session,
        select(Payout).where(*conditions),
        created_at=col(Payout.created_at),
        ident=col(Payout.id),
        after=after,
        limit=limit,
    )
    return Page(items, has_next)


async def get_payouts(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Payout]:
    """Payouts by id of the caller's own (with orders:write)."""
    if not ids or actor.member_id is None:
        return {}
    rows = (await session.exec(select(Payout).where(col(Payout.id).in_(list(ids))))).all()
    return {p.id: p for p in rows if can_see_money_of(actor, p.member_id)}


async def get_ledger_entries(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, LedgerEntry]:
    """Ledger entries by id of the caller's own accounts (funds, available; orders:write)."""
    if not ids or actor.member_id is None or not can_see_money_of(actor, actor.member_id):
        return {}
    accounts = [member_available(actor.member_id), member_funds(actor.member_id)]
    rows = (
        await session.exec(
            select(LedgerEntry).where(
                col(LedgerEntry.id).in_(list(ids)), col(LedgerEntry.account).in_(accounts)
            )
        )
    ).all()
    return {e.id: e for e in rows}


async def start_payout(
    session: AsyncSession,
    actor: Actor,
    *,
    amount: int,
    currency: str,
    destination: str,
    provider: str,
) -> Payout:
    """Hold the amount on the available balance (INSUFFICIENT_FUNDS beyond it)."""
    member_id = require_member(actor)
    if not 1 <= amount <= MAX_AMOUNT:
        raise AmountOutOfRange(fields=["amount"])
    if currency not in CURRENCIES:
        raise InvalidInput("This currency is not supported.", fields=["currency"])
    if not _DESTINATION.match(destination):
        raise InvalidInput(
            "Give a payout destination of 2 to 64 letters, digits, - or _.", fields=["destination"]
        )
    now = utcnow()
    payout = Payout(
        member_id=member_id,
        amount=amount,
        currency=currency,
        destination=destination,
        status=PayoutStatus.PROCESSING,
        provider=provider,
        created_at=now,
        updated_at=now,
    )
    session.add(payout)
    await session.flush()
    held = await hold(
        session,
        reference=f"payout:{payout.id}",
        source=member_available(member_id),
        destination=PAYOUTS_IN_TRANSIT,
        amount=amount,
        currency=currency,
        expires_at=None,
    )
    payout.hold_id = held.id
    session.add(payout)
    await session.flush()
    return payout


async def settle_payout(
    session: AsyncSession,
    *,
    payout_id: uuid.UUID,
    status: PayoutStatus,
    provider_ref: str | None,
    reason: str | None = None,
) -> Payout:
    """Apply the provider's answer (at once or by webhook); idempotent."""
    payout = await session.get(Payout, payout_id, with_for_update=True, populate_existing=True)
    assert payout is not None
    if payout.status in (PayoutStatus.PAID, PayoutStatus.FAILED):
        return payout
    if provider_ref is not None:
        payout.provider_ref = provider_ref
    payout.updated_at = utcnow()
    if status == PayoutStatus.PAID:
        assert payout.hold_id is not None
        await post_hold(session, hold_id=payout.hold_id, kind="payout.sent")
        await post(
            session,
            reference=f"payout:{payout.id}:paid",
            kind="payout.paid",
            moves=[
                Move(
                    PAYOUTS_IN_TRANSIT,
                    provider_clearing(payout.provider),
                    payout.amount,
                    payout.currency,
                )
            ],
        )
        payout.status = PayoutStatus.PAID
        payout.paid_at = utcnow()
    elif status == PayoutStatus.FAILED:
        assert payout.hold_id is not None
        await void_hold(session, hold_id=payout.hold_id)
        payout.status = PayoutStatus.FAILED
        payout.failure_reason = (reason or "failed")[:200]
    else:
        payout.status = PayoutStatus.PENDING
    session.add(payout)
    await session.flush()
    return payout


async def request_payout(
    db: Database,
    actor: Actor,
    provider: PaymentProvider,
    *,
    amount: int,
    currency: str,
    destination: str,
    finish: Callable[[AsyncSession, Mapping[str, Any]], Awaitable[object]] | None = None,
    transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]] | None = None,
) -> dict[str, Any]:
    """Send `amount` of the caller's available balance to `destination`; {"payoutId"}.
    `transaction` opens its two transactions (an idempotency key is claimed in the first and
    answered by `finish` in the second)."""
    begin = transaction or db.transaction
    async with begin() as session:
        payout = await start_payout(
            session,
            actor,
            amount=amount,
            currency=currency,
            destination=destination,
            provider=provider.name,
        )
        request = PayoutRequest(
            payout_id=payout.id,
            member_id=payout.member_id,
            amount=amount,
            currency=currency,
            destination=destination,
        )
    try:
        result: PayoutResult = await provider.payout(request)
        status = PayoutStatus(result.status.value)
        ref: str | None = result.provider_ref
        reason = None
    except ProviderUnavailable:
        status, ref, reason = PayoutStatus.FAILED, None, "provider unavailable"
    value = {"payoutId": str(request.payout_id)}
    async with begin() as session:
        await settle_payout(
            session, payout_id=request.payout_id, status=status, provider_ref=ref, reason=reason
        )
        if finish is not None:
            await finish(session, value)
    return value


async def _payout_by_ref(session: AsyncSession, event: WebhookEvent) -> Payout | None:
    return (
        await session.exec(
            select(Payout).where(
                Payout.provider == event.provider, Payout.provider_ref == event.object_ref
            )
        )
    ).first()


async def on_payout_paid(session: AsyncSession, event: WebhookEvent) -> str:
    payout = await _payout_by_ref(session, event)
    if payout is None:
        return "unknown payout"
    await settle_payout(session, payout_id=payout.id, status=PayoutStatus.PAID, provider_ref=None)
    return "processed"


async def on_payout_failed(session: AsyncSession, event: WebhookEvent) -> str:
    payout = await _payout_by_ref(session, event)
    if payout is None:
        return "unknown payout"
    await settle_payout(
        session,
        payout_id=payout.id,
        status=PayoutStatus.FAILED,
        provider_ref=None,
        reason=str(event.data.get("reason", "failed")),
    )
    return "processed"


async def transaction_kinds(
    session: AsyncSession, transaction_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The kind of each ledger transaction (one statement)."""
    if not transaction_ids:
        return {}
    rows = await session.exec(
        select(LedgerTransaction.id, LedgerTransaction.kind).where(
            col(LedgerTransaction.id).in_(list(set(transaction_ids)))
        )
    )
    return {ident: kind for ident, kind in rows}


register_webhook_handler(WebhookType.PAYOUT_PAID.value, on_payout_paid)
register_webhook_handler(WebhookType.PAYOUT_FAILED.value, on_payout_failed)
