"""Tables of the provider side of payments.

- `sandbox_operations`: the sandbox provider's own state (it plays an external system: only
  `payments.sandbox` reads or writes it, in transactions of its own).
- `payment_webhook_events`: every provider webhook received (a replayed event id is recognised).
- `payment_webhook_objects`: the highest event sequence processed per provider object (an
  event arriving out of order, after a later one, is stale).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, enum_type, uuid_pk


class SandboxOperationKind(StrEnum):
    CHARGE = "charge"
    REFUND = "refund"
    PAYOUT = "payout"


class SandboxOperation(SQLModel, table=True):
    """One charge, refund or payout the sandbox provider received; its id is the request's id
    (payment_id, refund_id, payout_id), so a repeated request finds it and answers the same."""

    __tablename__ = "sandbox_operations"

    id: uuid.UUID = Field(primary_key=True)
    kind: SandboxOperationKind = Field(sa_type=enum_type(SandboxOperationKind, length=16))
    # A ChargeStatus, RefundStatus or PayoutStatus value (the current one: a PENDING operation
    # becomes final when its webhook is delivered).
    status: str = Field(max_length=32)
    provider_ref: str = Field(max_length=64, unique=True)
    amount: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    # What decided the outcome: the payment method of a charge, the destination of a payout,
    # the charge's provider_ref for a refund.
    instrument: str = Field(max_length=255)
    failure_reason: str | None = Field(default=None, max_length=255)
    created_at: datetime = created_at_field()
    # The sequence number of the next webhook about this operation (1, 2, ...).
    next_sequence: int = Field(default=1)


class PaymentWebhookEvent(SQLModel, table=True):
    """A provider webhook received and verified, with what became of it."""

    __tablename__ = "payment_webhook_events"
    __table_args__ = (
        sa.UniqueConstraint("provider", "event_id", name="uq_payment_webhook_events_event"),
    )

    id: uuid.UUID = uuid_pk()
    provider: str = Field(max_length=32)
    event_id: str = Field(max_length=255)
    type: str = Field(max_length=64)
    object_ref: str = Field(max_length=255, index=True)
    sequence: int = Field(sa_type=sa.BigInteger)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = created_at_field()
    # "processed" (or what the handler answered), "ignored" (no handler), "stale".
    outcome: str = Field(max_length=32)


class PaymentWebhookObject(SQLModel, table=True):
    """The highest webhook sequence processed for one provider object (a charge, a payout)."""

    __tablename__ = "payment_webhook_objects"

    provider: str = Field(max_length=32, primary_key=True)
    object_ref: str = Field(max_length=255, primary_key=True)
    last_sequence: int = Field(sa_type=sa.BigInteger)
    updated_at: datetime = created_at_field()
