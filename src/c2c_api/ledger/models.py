"""The double-entry ledger: accounts, transactions and their entries, and two-phase holds.

Amounts are integer minor units of an ISO 4217 currency (c2c_api.kit.money), never floats.
An entry is signed: money leaves an account with a negative entry and arrives with a positive
one; the entries of a transaction sum to zero per currency. Entries are never updated or
deleted (a PostgreSQL trigger refuses it). docs/ledger.md.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, enum_type, uuid_pk


class AccountKind(StrEnum):
    MEMBER_FUNDS = "MEMBER_FUNDS"  # members:<id>:funds  what a member paid in, not yet spent
    MEMBER_AVAILABLE = "MEMBER_AVAILABLE"  # members:<id>:available  earned, may be paid out
    ESCROW = "ESCROW"  # orders:<id>:escrow  held for an order until it completes
    PLATFORM_REVENUE = "PLATFORM_REVENUE"  # platform:revenue  our fees
    PARTNER_REVENUE = "PARTNER_REVENUE"  # partners:<id>:revenue  a storefront's share
    PROVIDER_CLEARING = "PROVIDER_CLEARING"  # providers:<name>:clearing  the outside world
    PAYOUTS_IN_TRANSIT = "PAYOUTS_IN_TRANSIT"  # payouts:in_transit  sent, not yet confirmed


class HoldStatus(StrEnum):
    PENDING = "PENDING"
    POSTED = "POSTED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


class LedgerAccount(SQLModel, table=True):
    """An account in one currency; `balance` caches the sum of its entries."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (sa.CheckConstraint("pending_out >= 0", name="pending_out_not_negative"),)

    name: str = Field(max_length=160, primary_key=True)
    currency: str = Field(max_length=3, primary_key=True)
    kind: AccountKind = Field(sa_type=enum_type(AccountKind))
    # Only the outside world (a provider's clearing account) goes below zero.
    may_go_negative: bool = False
    # SUM(entries.amount), updated only by the posting code, in the posting's transaction.
    balance: int = Field(default=0, sa_type=sa.BigInteger)
    # SUM(amount) of the PENDING holds drawing on this account.
    pending_out: int = Field(default=0, sa_type=sa.BigInteger)
    # Parsed from the name; no foreign keys: the ledger outlives what it names.
    member_id: uuid.UUID | None = Field(default=None, index=True)
    order_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    created_at: datetime = created_at_field()


class LedgerTransaction(SQLModel, table=True):
    """A set of entries that balances, posted once under its reference."""

    __tablename__ = "ledger_transactions"

    id: uuid.UUID = uuid_pk()
    # The idempotency key of the posting, e.g. "order:<id>:release" (at most 200 characters;
    # a posted hold's is "hold:" + the hold's reference).
    reference: str = Field(max_length=240, unique=True)
    kind: str = Field(max_length=64)  # e.g. "payment.captured"
    order_id: uuid.UUID | None = Field(default=None, index=True)
    # "metadata" is SQLModel's own attribute: the column is named so, the attribute `meta`.
    meta: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column("metadata", JSON, nullable=False)
    )
    created_at: datetime = created_at_field()


class LedgerEntry(SQLModel, table=True):
    """One signed amount on one account; immutable."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["account", "currency"],
            ["ledger_accounts.name", "ledger_accounts.currency"],
            name="fk_ledger_entries_account_ledger_accounts",
        ),
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        # An account's statement, newest first (keyset pages).
        sa.Index("ix_ledger_entries_statement", "account", "currency", "created_at", "id"),
    )

    id: uuid.UUID = uuid_pk()
    transaction_id: uuid.UUID = Field(foreign_key="ledger_transactions.id", index=True)
    account: str = Field(max_length=160)
    currency: str = Field(max_length=3)
    amount: int = Field(sa_type=sa.BigInteger)
    created_at: datetime = created_at_field()


class LedgerHold(SQLModel, table=True):
    """A two-phase transfer: funds reserved on `source`, then posted (all or part), voided
    or expired, once."""

    __tablename__ = "ledger_holds"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["source", "currency"],
            ["ledger_accounts.name", "ledger_accounts.currency"],
            name="fk_ledger_holds_source_ledger_accounts",
        ),
        sa.ForeignKeyConstraint(
            ["destination", "currency"],
            ["ledger_accounts.name", "ledger_accounts.currency"],
            name="fk_ledger_holds_destination_ledger_accounts",
        ),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        # check_ledger: the pending holds of each account.
        sa.Index("ix_ledger_holds_pending", "status", "source", "currency"),
    )

    id: uuid.UUID = uuid_pk()
    reference: str = Field(max_length=200, unique=True)
    source: str = Field(max_length=160)
    destination: str = Field(max_length=160)
    currency: str = Field(max_length=3)
    amount: int = Field(sa_type=sa.BigInteger)
    status: HoldStatus = Field(default=HoldStatus.PENDING, sa_type=enum_type(HoldStatus, 16))
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When posted: the transaction and how much of the hold it moved.
    transaction_id: uuid.UUID | None = Field(default=None, foreign_key="ledger_transactions.id")
    posted_amount: int | None = Field(default=None, sa_type=sa.BigInteger)
    order_id: uuid.UUID | None = Field(default=None, index=True)
