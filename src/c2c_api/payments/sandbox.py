"""The sandbox provider: a deterministic stand-in for a real one, for development and tests.

It plays an external system: its state is its own table (`sandbox_operations`), written in
transactions of its own (the caller holds none while it calls a provider), and its delayed
outcomes arrive later as signed webhooks, delivered by the outbox worker
(`SandboxWebhookDelivery` on topic `SANDBOX_WEBHOOK_TOPIC`) to `receive_webhook`, the same
verification the REST route applies.

    charge: payment_method decides (docs/payment-provider.md, "Sandbox cards")
      card_success, 4242424242424242             SUCCEEDED
      card_decline, 4000000000000002             DECLINED "card declined"
      card_insufficient_funds, 4000000000009995  INSUFFICIENT_FUNDS "insufficient funds"
      card_delayed_success, 4000000000003220     PENDING, then charge.succeeded by webhook
      card_delayed_decline                       PENDING, then charge.failed by webhook
      provider_unavailable                       raises ProviderUnavailable (nothing recorded)
      anything else                              DECLINED "unknown test card"
    refund: SUCCEEDED; FAILED when the charge is unknown, not succeeded, in another currency,
            or the refunds would exceed it
    payout: destination payout_delayed -> PENDING then payout.paid; payout_fail -> PENDING then
            payout.failed; provider_unavailable raises; anything else PAID at once

Webhooks are signed the Stripe way: `C2C-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>." + body with the secret>`, refused after 300 s.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent
from c2c_api.events.service import record_event
from c2c_api.kit.clock import utcnow
from c2c_api.payments.models import SandboxOperation, SandboxOperationKind
from c2c_api.payments.providers import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    PayoutRequest,
    PayoutResult,
    PayoutStatus,
    ProviderUnavailable,
    RefundRequest,
    RefundResult,
    RefundStatus,
    WebhookEvent,
    WebhookMalformed,
    WebhookSignatureInvalid,
    WebhookTooOld,
    WebhookType,
)
from c2c_api.payments.webhooks import WebhookReceipt, receive_webhook

SANDBOX_WEBHOOK_TOPIC = "payments.sandbox_webhook"
SIGNATURE_HEADER = "C2C-Signature"
WEBHOOK_TOLERANCE = timedelta(seconds=300)

# A method or destination that makes the sandbox behave as if it were down.
UNAVAILABLE = "provider_unavailable"


@dataclass(frozen=True)
class SandboxCard:
    """What a test payment method does: the answer, its reason, and the webhook that follows."""

    status: ChargeStatus
    failure_reason: str | None = None
    then: WebhookType | None = None  # for PENDING: the webhook that settles it


_SUCCESS = SandboxCard(ChargeStatus.SUCCEEDED)
_DECLINE = SandboxCard(ChargeStatus.DECLINED, "card declined")
_INSUFFICIENT = SandboxCard(ChargeStatus.INSUFFICIENT_FUNDS, "insufficient funds")
_DELAYED_SUCCESS = SandboxCard(ChargeStatus.PENDING, then=WebhookType.CHARGE_SUCCEEDED)
_DELAYED_DECLINE = SandboxCard(ChargeStatus.PENDING, then=WebhookType.CHARGE_FAILED)
UNKNOWN_CARD = SandboxCard(ChargeStatus.DECLINED, "unknown test card")

SANDBOX_CARDS: dict[str, SandboxCard] = {
    "card_success": _SUCCESS,
    "4242424242424242": _SUCCESS,
    "card_decline": _DECLINE,
    "4000000000000002": _DECLINE,
    "card_insufficient_funds": _INSUFFICIENT,
    "4000000000009995": _INSUFFICIENT,
    "card_delayed_success": _DELAYED_SUCCESS,
    "4000000000003220": _DELAYED_SUCCESS,
    "card_delayed_decline": _DELAYED_DECLINE,
}

# Payout destinations with a delayed outcome (any other destination is PAID at once).
PAYOUT_DESTINATIONS: dict[str, WebhookType] = {
    "payout_delayed": WebhookType.PAYOUT_PAID,
    "payout_fail": WebhookType.PAYOUT_FAILED,
}

# The final status an operation reaches with each webhook.
_SETTLED_BY: dict[WebhookType, tuple[str, str | None]] = {
    WebhookType.CHARGE_SUCCEEDED: (ChargeStatus.SUCCEEDED, None),
    WebhookType.CHARGE_FAILED: (ChargeStatus.DECLINED, "card declined"),
    WebhookType.REFUND_SUCCEEDED: (RefundStatus.SUCCEEDED, None),
    WebhookType.PAYOUT_PAID: (PayoutStatus.PAID, None),
    WebhookType.PAYOUT_FAILED: (PayoutStatus.FAILED, "payout refused by the bank"),
}

# Refunds that count against what is left of a charge.
_REFUND_HOLDS = [RefundStatus.SUCCEEDED.value, RefundStatus.PENDING.value]

_PREFIX = {
    SandboxOperationKind.CHARGE: "sbx_ch_",
    SandboxOperationKind.REFUND: "sbx_re_",
    SandboxOperationKind.PAYOUT: "sbx_po_",
}


def provider_ref_of(kind: SandboxOperationKind, request_id: uuid.UUID) -> str:
    """The sandbox's reference of an operation (a function of the request's id)."""
    return f"{_PREFIX[kind]}{request_id.hex}"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 of `"<timestamp>." + body` with `secret`."""
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


Operate = Callable[[AsyncSession], Awaitable[SandboxOperation]]


class SandboxProvider:
    """The built-in PaymentProvider (see the module docstring)."""

    name = "sandbox"

    def __init__(
        self,
        db: Database,
        *,
        secret: str,
        webhook_delay: timedelta = timedelta(seconds=2),
        tolerance: timedelta = WEBHOOK_TOLERANCE,
    ) -> None:
        self.db = db
        self.secret = secret
        self.webhook_delay = webhook_delay
        self.tolerance = tolerance

    @classmethod
    def from_settings(cls, settings: Settings, db: Database) -> SandboxProvider:
        return cls(
            db,
            secret=settings.sandbox_webhook_secret,
            webhook_delay=timedelta(seconds=settings.sandbox_webhook_delay_seconds),
        )

    # -- operations ------------------------------------------------------------------------

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge once per payment_id; the payment method decides the outcome."""
        if request.payment_method == UNAVAILABLE:
            raise ProviderUnavailable(context={"provider": self.name})
        card = SANDBOX_CARDS.get(request.payment_method, UNKNOWN_CARD)

        async def create(session: AsyncSession) -> SandboxOperation:
            op = SandboxOperation(
                id=request.payment_id,
                kind=SandboxOperationKind.CHARGE,
                status=card.status,
                provider_ref=provider_ref_of(SandboxOperationKind.CHARGE, request.payment_id),
                amount=request.amount,
                currency=request.currency,
                instrument=request.payment_method[:255],
                failure_reason=card.failure_reason,
                created_at=utcnow(),
            )
            session.add(op)
            await session.flush()
            if card.then is not None:
                await self._schedule_webhook(session, op, card.then)
            return op

        op = await self._once(request.payment_id, create)
        return ChargeResult(ChargeStatus(op.status), op.provider_ref, op.failure_reason)

    async def refund(self, request: RefundRequest) -> RefundResult:
        """Refund once per refund_id; FAILED unless the charge succeeded and covers it."""

        async def create(session: AsyncSession) -> SandboxOperation:
            failure = await self._refund_refusal(session, request)
            op = SandboxOperation(
                id=request.refund_id,
                kind=SandboxOperationKind.REFUND,
                status=RefundStatus.FAILED if failure else RefundStatus.SUCCEEDED,
                provider_ref=provider_ref_of(SandboxOperationKind.REFUND, request.refund_id),
                amount=request.amount,
                currency=request.currency,
                instrument=request.provider_ref[:255],
                failure_reason=failure,
                created_at=utcnow(),
            )
            session.add(op)
            await session.flush()
            return op

        op = await self._once(request.refund_id, create)
        return RefundResult(RefundStatus(op.status), op.provider_ref)

    async def payout(self, request: PayoutRequest) -> PayoutResult:
        """Pay out once per payout_id; the destination decides the outcome."""
        if request.destination == UNAVAILABLE:
            raise ProviderUnavailable(context={"provider": self.name})
        then = PAYOUT_DESTINATIONS.get(request.destination)

        async def create(session: AsyncSession) -> SandboxOperation:
            op = SandboxOperation(
                id=request.payout_id,
                kind=SandboxOperationKind.PAYOUT,
                status=PayoutStatus.PAID if then is None else PayoutStatus.PENDING,
                provider_ref=provider_ref_of(SandboxOperationKind.PAYOUT, request.payout_id),
                amount=request.amount,
                currency=request.currency,
                instrument=request.destination[:255],
                created_at=utcnow(),
            )
            session.add(op)
            await session.flush()
            if then is not None:
                await self._schedule_webhook(session, op, then)
            return op

        op = await self._once(request.payout_id, create)
        return PayoutResult(PayoutStatus(op.status), op.provider_ref)

    async def _once(self, request_id: uuid.UUID, create: Operate) -> SandboxOperation:
        """The operation of `request_id`: the recorded one, or the one `create` records (in a
        transaction of the sandbox's own). Two calls racing on one id: the loser of the insert
        reads the winner's."""
        try:
            for _ in range(2):
                try:
                    async with self.db.transaction() as session:
                        existing = await session.get(SandboxOperation, request_id)
                        if existing is not None:
                            return existing
                        return await create(session)
                except IntegrityError:
                    continue
        except DBAPIError as exc:
            # The sandbox's storage failing is, to its callers, the provider being down.
            raise ProviderUnavailable(context={"provider": self.name}) from exc
        raise ProviderUnavailable(context={"provider": self.name})

    async def _refund_refusal(self, session: AsyncSession, request: RefundRequest) -> str | None:
        """Why the sandbox refuses a refund, or None. Locks the charge, so concurrent refunds
        of one charge are checked one at a time."""
        charge = (
            await session.exec(
                select(SandboxOperation)
                .where(
                    SandboxOperation.provider_ref == request.provider_ref,
                    SandboxOperation.kind == SandboxOperationKind.CHARGE,
                )
                .with_for_update()
            )
        ).first()
        if charge is None:
            return "unknown charge"
        if charge.status != ChargeStatus.SUCCEEDED:
            return "charge not succeeded"
        if request.currency != charge.currency:
            return "currency differs from the charge's"
        refunded = (
            await session.exec(
                select(sa.func.coalesce(sa.func.sum(SandboxOperation.amount), 0)).where(
                    SandboxOperation.kind == SandboxOperationKind.REFUND,
                    SandboxOperation.instrument == charge.provider_ref,
                    col(SandboxOperation.status).in_(
                        [RefundStatus.SUCCEEDED, RefundStatus.PENDING]
                    ),
                )
            )
        ).one()
        if request.amount <= 0 or request.amount > charge.amount - int(refunded):
            return "amount exceeds what is left to refund"
        return None

    async def _schedule_webhook(
        self, session: AsyncSession, op: SandboxOperation, event_type: WebhookType
    ) -> None:
        """Record the webhook that will settle `op`, due after the configured delay."""
        sequence = op.next_sequence
        op.next_sequence = sequence + 1
        session.add(op)
        due = utcnow() + self.webhook_delay
        await record_event(
            session,
            topic=SANDBOX_WEBHOOK_TOPIC,
            payload={
                "operationId": str(op.id),
                "type": event_type.value,
                "eventId": f"evt_sbx_{op.id.hex}_{sequence}",
                "sequence": sequence,
                "occurredAt": due.isoformat(),
            },
            available_at=due,
        )

    # -- webhooks --------------------------------------------------------------------------

    def sign(self, body: bytes, *, at: datetime) -> dict[str, str]:
        """The headers of a webhook carrying `body`, signed at `at`."""
        timestamp = int(at.timestamp())
        return {
            SIGNATURE_HEADER: f"t={timestamp},v1={signature(self.secret, body, timestamp)}",
            "Content-Type": "application/json",
        }

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, now: datetime
    ) -> WebhookEvent:
        """Verify the signature, then the age, then read the event."""
        timestamp, candidates = _signature_parts(headers)
        expected = signature(self.secret, body, timestamp)
        if not any(hmac.compare_digest(expected, c) for c in candidates):
            raise WebhookSignatureInvalid()
        if now - datetime.fromtimestamp(timestamp, UTC) > self.tolerance:
            raise WebhookTooOld(context={"toleranceSeconds": int(self.tolerance.total_seconds())})
        try:
            data = json.loads(body)
            event = WebhookEvent(
                provider=self.name,
                event_id=_text(data["id"]),
                type=_text(data["type"]),
                object_ref=_text(data["object"]),
                sequence=_positive(data["sequence"]),
                occurred_at=datetime.fromisoformat(_text(data["occurredAt"])).astimezone(UTC),
                data=dict(data.get("data") or {}),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookMalformed() from exc
        return event


def _signature_parts(headers: Mapping[str, str]) -> tuple[int, list[str]]:
    """The timestamp and the v1 signatures of the signature header (WebhookSignatureInvalid
    when it is absent or malformed)."""
    raw = None
    for name, value in headers.items():
        if name.lower() == SIGNATURE_HEADER.lower():
            raw = value
            break
    if raw is None:
        raise WebhookSignatureInvalid()
    timestamp: int | None = None
    candidates: list[str] = []
    for part in raw.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookSignatureInvalid()
    return timestamp, candidates


def _text(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > 255:
        raise ValueError("not a short text")
    return value


def _positive(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError("not a positive integer")
    return value


Receiver = Callable[[Mapping[str, str], bytes], Awaitable[object]]


class SandboxWebhookDelivery:
    """The leased outbox handler of `SANDBOX_WEBHOOK_TOPIC`: the sandbox settles the operation
    in its own table, then sends the signed webhook to `receiver` (by default the in-process
    `receive_webhook`, the same verification as the REST route). A receiver that fails (a
    handler's DomainError) fails the event: the outbox retries it, newly signed, at least once
    (a retry of an event already processed answers "duplicate")."""

    def __init__(
        self, db: Database, provider: SandboxProvider, receiver: Receiver | None = None
    ) -> None:
        self.db = db
        self.provider = provider
        self.receiver: Receiver = receiver or self._receive_in_process

    async def _receive_in_process(self, headers: Mapping[str, str], body: bytes) -> WebhookReceipt:
        return await receive_webhook(self.db, self.provider, headers, body)

    async def __call__(self, event: OutboxEvent) -> None:
        payload = event.payload
        event_type = WebhookType(str(payload["type"]))
        async with self.db.transaction() as session:
            op = await session.get(
                SandboxOperation, uuid.UUID(str(payload["operationId"])), with_for_update=True
            )
            if op is None:
                return  # the sandbox's table was emptied meanwhile: nothing to tell
            status, reason = _SETTLED_BY[event_type]
            if op.status == "PENDING":
                op.status = status
                op.failure_reason = reason
                session.add(op)
            data: dict[str, Any] = {
                "requestId": str(op.id),
                "kind": op.kind.value,
                "status": op.status,
                "amount": op.amount,
                "currency": op.currency,
                "failureReason": op.failure_reason,
            }
            ref = op.provider_ref
        body = json.dumps(
            {
                "id": payload["eventId"],
                "type": event_type.value,
                "object": ref,
                "sequence": payload["sequence"],
                "occurredAt": payload["occurredAt"],
                "data": data,
            },
            separators=(",", ":"),
        ).encode()
        await self.receiver(self.provider.sign(body, at=utcnow()), body)
