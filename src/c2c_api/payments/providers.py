"""The payment provider interface: what Stripe Connect, Mangopay or Adyen for Platforms would
implement behind us (docs/payments-provider.md).

    PaymentProvider          name; charge, refund, payout (async, network); parse_webhook
    ChargeRequest/Result     ChargeStatus: SUCCEEDED | PENDING | DECLINED | INSUFFICIENT_FUNDS
    RefundRequest/Result     RefundStatus: SUCCEEDED | PENDING | FAILED
    PayoutRequest/Result     PayoutStatus: PAID | PENDING | FAILED
    WebhookEvent             a verified provider notification about one object (its provider_ref)

Rules every implementation keeps:
- Idempotent by the request's id (payment_id, refund_id, payout_id): calling twice charges
  once and answers the same result, a failure included (the id is the provider's idempotency
  key). A PENDING answer becomes final later, by webhook.
- Called between transactions, never inside one (no network call holds a database lock).
- A network failure or timeout raises `ProviderUnavailable` (retryable): the caller retries
  with the same id, which cannot charge twice.
- `parse_webhook` verifies the signature (`WebhookSignatureInvalid`) and its age
  (`WebhookTooOld`) before reading anything, and numbers events per object (`sequence`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from c2c_api.payments.errors import (
    ProviderUnavailable,
    WebhookMalformed,
    WebhookSignatureInvalid,
    WebhookTooOld,
)

__all__ = [
    "ChargeRequest",
    "ChargeResult",
    "ChargeStatus",
    "PaymentProvider",
    "PayoutRequest",
    "PayoutResult",
    "PayoutStatus",
    "ProviderUnavailable",
    "RefundRequest",
    "RefundResult",
    "RefundStatus",
    "WebhookEvent",
    "WebhookMalformed",
    "WebhookSignatureInvalid",
    "WebhookTooOld",
    "WebhookType",
]


class ChargeStatus(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    PENDING = "PENDING"  # final later: charge.succeeded or charge.failed by webhook
    DECLINED = "DECLINED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"


class RefundStatus(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    PENDING = "PENDING"  # final later: refund.succeeded by webhook
    FAILED = "FAILED"


class PayoutStatus(StrEnum):
    PAID = "PAID"
    PENDING = "PENDING"  # final later: payout.paid or payout.failed by webhook
    FAILED = "FAILED"


class WebhookType(StrEnum):
    """The event types every provider's webhooks are translated to."""

    CHARGE_SUCCEEDED = "charge.succeeded"
    CHARGE_FAILED = "charge.failed"
    REFUND_SUCCEEDED = "refund.succeeded"
    PAYOUT_PAID = "payout.paid"
    PAYOUT_FAILED = "payout.failed"


@dataclass(frozen=True)
class ChargeRequest:
    """Charge the buyer `amount` minor units of `currency` with `payment_method`."""

    payment_id: uuid.UUID  # the idempotency key
    amount: int
    currency: str
    payment_method: str
    description: str


@dataclass(frozen=True)
class ChargeResult:
    status: ChargeStatus
    provider_ref: str  # the provider's id of the charge (webhooks name it in object_ref)
    failure_reason: str | None = None


@dataclass(frozen=True)
class RefundRequest:
    """Refund `amount` of the charge `provider_ref` (partial refunds add up to the charge)."""

    refund_id: uuid.UUID  # the idempotency key
    provider_ref: str  # the charge's
    amount: int
    currency: str


@dataclass(frozen=True)
class RefundResult:
    status: RefundStatus
    provider_ref: str  # the refund's own reference


@dataclass(frozen=True)
class PayoutRequest:
    """Pay `amount` out to the member's bank account (`destination`, the provider's id of it)."""

    payout_id: uuid.UUID  # the idempotency key
    member_id: uuid.UUID
    amount: int
    currency: str
    destination: str


@dataclass(frozen=True)
class PayoutResult:
    status: PayoutStatus
    provider_ref: str


@dataclass(frozen=True)
class WebhookEvent:
    """A verified provider notification."""

    provider: str
    event_id: str  # unique per provider: a replay carries the same id
    type: str  # a WebhookType value (a provider may send others: recorded as ignored)
    object_ref: str  # the provider_ref of the charge, refund or payout it is about
    sequence: int  # per object, increasing: an event not above the last processed is stale
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    """A payment service provider; see the module docstring for the rules."""

    name: str

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge once per payment_id; PENDING when the outcome comes later by webhook."""
        ...

    async def refund(self, request: RefundRequest) -> RefundResult:
        """Refund once per refund_id."""
        ...

    async def payout(self, request: PayoutRequest) -> PayoutResult:
        """Pay out once per payout_id."""
        ...

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, now: datetime
    ) -> WebhookEvent:
        """Verify and read a webhook; raises WebhookSignatureInvalid, WebhookTooOld or
        WebhookMalformed (nothing may be recorded then)."""
        ...
