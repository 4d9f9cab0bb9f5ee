"""Saved searches: a member's query and filters, matched against newly published listings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import JSON, Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, uuid_pk


class SavedSearch(SQLModel, table=True):
    __tablename__ = "saved_searches"

    id: uuid.UUID = uuid_pk()
    member_id: uuid.UUID = Field(foreign_key="members.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    query: str = Field(default="", max_length=200)
    # The ListingFilter input as JSON (validated on write, re-validated on use).
    filter: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # The filter's category, copied out of `filter` so that matching a newly published listing
    # only evaluates the saved searches of its category, its ancestors, or no category.
    category_slug: str | None = Field(default=None, max_length=60, index=True)
    notify: bool = True
    created_at: datetime = created_at_field()
    last_matched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
