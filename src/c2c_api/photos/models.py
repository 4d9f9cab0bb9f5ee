"""Photos as stored: the renditions live in storage, this row knows where."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from c2c_api.db import created_at_field, uuid_pk


class Photo(SQLModel, table=True):
    """An uploaded photo; attached to at most one listing, ordered by `position`."""

    __tablename__ = "photos"
    __table_args__ = (sa.Index("ix_photos_listing_position", "listing_id", "position"),)

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="members.id", index=True)
    listing_id: uuid.UUID | None = Field(
        default=None, foreign_key="listings.id", ondelete="SET NULL"
    )
    position: int = Field(default=0)
    width: int
    height: int
    byte_size: int
    sha256: str = Field(max_length=64)
    # rendition name -> storage key
    renditions: dict[str, str] = Field(sa_type=JSON)
    created_at: datetime = created_at_field()
