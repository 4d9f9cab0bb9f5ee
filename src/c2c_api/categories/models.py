"""Categories as stored: the operator-managed tree (seeded with the default taxonomy)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field


class Category(SQLModel, table=True):
    """One node of the tree; `slug` is stable and never reused (retired nodes stay, hidden)."""

    __tablename__ = "categories"

    slug: str = Field(primary_key=True, max_length=60)
    parent_slug: str | None = Field(default=None, foreign_key="categories.slug", index=True)
    position: int = Field(default=0)
    # {"en": "...", "fr": "..."}
    name: dict[str, str] = Field(sa_type=JSON)
    # Listing kinds accepted here (None: the parent's).
    kinds: list[str] | None = Field(default=None, sa_type=JSON)
    # Own attribute definitions (categories.AttributeDef dumps), added to the inherited ones.
    attributes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    # Bumped on every edit: the sum over the table tells caches that something changed.
    revision: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (sa.Index("ix_categories_parent_position", "parent_slug", "position"),)
