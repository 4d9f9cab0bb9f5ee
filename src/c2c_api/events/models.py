"""The outbox (events written in the transaction of the change they describe) and timers."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, enum_type, uuid_pk


class EventStatus(StrEnum):
    PENDING = "pending"  # waiting for (another) attempt
    DONE = "done"  # its handler succeeded (or no handler is registered for its topic)
    DEAD = "dead"  # failed `outbox_max_attempts` times: kept for an operator (`outbox retry`)


class OutboxEvent(SQLModel, table=True):
    """One event; the worker hands it to its topic's handler after the commit that wrote it."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        sa.Index("ix_outbox_events_unpublished", "published_at", "created_at"),
        # The worker's claim: pending events that are due, oldest first.
        sa.Index("ix_outbox_events_due", "status", "available_at"),
    )

    id: uuid.UUID = uuid_pk()
    topic: str = Field(max_length=64, index=True)  # e.g. "saved_search.matched"
    payload: dict[str, Any] = Field(sa_type=JSON)
    member_id: uuid.UUID | None = Field(default=None, foreign_key="members.id", index=True)
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id", index=True)
    created_at: datetime = created_at_field()
    # When the handler succeeded (DONE).
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: EventStatus = Field(
        default=EventStatus.PENDING,
        sa_type=enum_type(EventStatus, length=16),
        sa_column_kwargs={"server_default": EventStatus.PENDING.value},
    )
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Not handed out before this time (set to the commit's time, then to the retry's).
    available_at: datetime = created_at_field()
    # A handler with a network effect runs outside any transaction under a lease: the claim
    # token names the claim, the lease ends at locked_until (then another worker may reclaim).
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: uuid.UUID | None = None
    last_error: str | None = Field(default=None, sa_type=sa.Text)


class TimerStatus(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


class Timer(SQLModel, table=True):
    """A durable timer: at `due_at` the worker records an event of topic `action` about the
    subject (once). One row per (subject, action): scheduling again moves it."""

    __tablename__ = "timers"
    __table_args__ = (sa.Index("ix_timers_due", "status", "due_at"),)

    subject_type: str = Field(max_length=32, primary_key=True)  # e.g. "listing"
    subject_id: uuid.UUID = Field(primary_key=True)
    action: str = Field(max_length=64, primary_key=True)  # the topic recorded when it fires
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: TimerStatus = Field(default=TimerStatus.PENDING, sa_type=enum_type(TimerStatus, 16))
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
