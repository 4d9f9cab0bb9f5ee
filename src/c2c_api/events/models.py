"""Domain events, written to an outbox in the transaction of the change they describe.

Subscriptions, webhooks and notifications read them after commit (later issues deliver them).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, uuid_pk


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox_events"
    __table_args__ = (sa.Index("ix_outbox_events_unpublished", "published_at", "created_at"),)

    id: uuid.UUID = uuid_pk()
    topic: str = Field(max_length=64, index=True)  # e.g. "saved_search.matched"
    payload: dict[str, Any] = Field(sa_type=JSON)
    member_id: uuid.UUID | None = Field(default=None, foreign_key="members.id", index=True)
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id", index=True)
    created_at: datetime = created_at_field()
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
