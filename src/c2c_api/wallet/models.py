"""Payouts: a member's available balance sent to their bank account."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, enum_type, uuid_pk


class PayoutStatus(StrEnum):
    PROCESSING = "PROCESSING"  # held; the provider is being asked
    PENDING = "PENDING"  # the provider confirms later (webhook)
    PAID = "PAID"
    FAILED = "FAILED"  # the hold was voided: the money is available again


class Payout(SQLModel, table=True):
    __tablename__ = "payouts"
    __table_args__ = (
        sa.Index("ix_payouts_member_created", "member_id", "created_at", "id"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: uuid.UUID = uuid_pk()
    member_id: uuid.UUID = Field(foreign_key="members.id")
    amount: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    destination: str = Field(max_length=64)
    status: PayoutStatus = Field(sa_type=enum_type(PayoutStatus))
    provider: str = Field(max_length=32)
    provider_ref: str | None = Field(default=None, max_length=120, index=True)
    hold_id: uuid.UUID | None = None
    failure_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
