"""The favorites table: which member watches which listing."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from c2c_api.db import created_at_field


class Favorite(SQLModel, table=True):
    """A member watches a listing."""

    __tablename__ = "favorites"

    member_id: uuid.UUID = Field(foreign_key="members.id", primary_key=True, ondelete="CASCADE")
    listing_id: uuid.UUID = Field(
        foreign_key="listings.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    created_at: datetime = created_at_field()
