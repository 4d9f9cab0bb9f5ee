"""The public questions asked on listings, and their sellers' answers."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, uuid_pk


class ListingQuestion(SQLModel, table=True):
    """A public question on a listing, answered publicly by its seller."""

    __tablename__ = "listing_questions"

    id: uuid.UUID = uuid_pk()
    listing_id: uuid.UUID = Field(foreign_key="listings.id", index=True, ondelete="CASCADE")
    asker_id: uuid.UUID = Field(foreign_key="members.id")
    body: str = Field(max_length=1000)
    answer: str | None = Field(default=None, max_length=2000)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()
