"""Orders (one per deal, following its kind's declared process) and their timelines."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from c2c_api.categories.taxonomy import ListingKind
from c2c_api.db import UTCDateTime, created_at_field, enum_type, uuid_pk


class Handover(StrEnum):
    SHIPPING = "SHIPPING"
    MEETUP = "MEETUP"


class Order(SQLModel, table=True):
    """A deal between a buyer and a seller, in integer minor units of `currency`.

    `state` is a state of the process (`process_kind`, `process_version`) it started under.
    The price breakdown is fixed when the order is created (fees from the fee schedule then).
    """

    __tablename__ = "orders"
    __table_args__ = (
        sa.Index("ix_orders_buyer_created", "buyer_id", "created_at", "id"),
        sa.Index("ix_orders_seller_created", "seller_id", "created_at", "id"),
        sa.Index("ix_orders_state", "state"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "total = item_amount + shipping_amount + buyer_protection", name="total"
        ),
    )

    id: uuid.UUID = uuid_pk()
    listing_id: uuid.UUID = Field(foreign_key="listings.id", index=True)
    listing_kind: ListingKind = Field(sa_type=enum_type(ListingKind))
    process_kind: str = Field(max_length=32)
    process_version: int
    state: str = Field(max_length=32)
    buyer_id: uuid.UUID = Field(foreign_key="members.id")
    seller_id: uuid.UUID = Field(foreign_key="members.id")
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id", index=True)
    offer_id: uuid.UUID | None = Field(default=None, index=True)
    quantity: int
    currency: str = Field(max_length=3)
    unit_price: int = Field(sa_type=sa.BigInteger)
    item_amount: int = Field(sa_type=sa.BigInteger)
    shipping_amount: int = Field(default=0, sa_type=sa.BigInteger)
    buyer_protection: int = Field(default=0, sa_type=sa.BigInteger)
    total: int = Field(sa_type=sa.BigInteger)
    seller_commission: int = Field(default=0, sa_type=sa.BigInteger)
    seller_net: int = Field(sa_type=sa.BigInteger)
    platform_revenue: int = Field(default=0, sa_type=sa.BigInteger)
    partner_revenue: int = Field(default=0, sa_type=sa.BigInteger)
    handover: Handover = Field(sa_type=enum_type(Handover))
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    meetup_place: str | None = Field(default=None, max_length=200)
    meetup_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handover_code: str | None = Field(default=None, max_length=12)
    handover_attempts: int = 0
    problem: str | None = Field(default=None, max_length=1000)
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    shipped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OrderEvent(SQLModel, table=True):
    """The order's timeline: who took which transition, when (inputs without secrets)."""

    __tablename__ = "order_events"
    __table_args__ = (sa.UniqueConstraint("order_id", "seq"),)

    id: uuid.UUID = uuid_pk()
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True, ondelete="CASCADE")
    seq: int
    transition: str = Field(max_length=48)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str = Field(max_length=32)
    actor_role: str = Field(max_length=16)
    actor_member_id: uuid.UUID | None = Field(default=None, foreign_key="members.id")
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = created_at_field()


class PaymentStatus(StrEnum):
    PROCESSING = "PROCESSING"  # created; the provider is being called
    PENDING = "PENDING"  # the provider confirms later (webhook)
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class OrderPayment(SQLModel, table=True):
    """One attempt to pay an order through the payment provider.

    At most one attempt per order is live (PROCESSING, PENDING or SUCCEEDED): a partial unique
    index says so, so an order is never paid twice."""

    __tablename__ = "order_payments"
    __table_args__ = (
        sa.Index(
            "uq_order_payments_live",
            "order_id",
            unique=True,
            postgresql_where=sa.text("status IN ('PROCESSING', 'PENDING', 'SUCCEEDED')"),
            sqlite_where=sa.text("status IN ('PROCESSING', 'PENDING', 'SUCCEEDED')"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    order_id: uuid.UUID = Field(foreign_key="orders.id")
    payer_id: uuid.UUID = Field(foreign_key="members.id")
    provider: str = Field(max_length=32)
    provider_ref: str | None = Field(default=None, max_length=120, index=True)
    amount: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    status: PaymentStatus = Field(sa_type=enum_type(PaymentStatus))
    failure_reason: str | None = Field(default=None, max_length=200)
    hold_id: uuid.UUID | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class RefundStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"


class OrderRefund(SQLModel, table=True):
    """Money going back to the buyer's payment method after a cancellation."""

    __tablename__ = "order_refunds"

    id: uuid.UUID = uuid_pk()
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    payment_id: uuid.UUID = Field(foreign_key="order_payments.id", unique=True)
    amount: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    status: RefundStatus = Field(sa_type=enum_type(RefundStatus))
    provider_ref: str | None = Field(default=None, max_length=120)
    created_at: datetime = created_at_field()
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
