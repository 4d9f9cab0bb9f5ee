"""Partners: white-label storefronts (tenants)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from c2c_api.db import created_at_field, enum_type, uuid_pk


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class PartnerBase(SQLModel):
    slug: str = Field(min_length=2, max_length=63, regex=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
    name: str = Field(min_length=1, max_length=120)


class Partner(PartnerBase, table=True):
    __tablename__ = "partners"

    id: uuid.UUID = uuid_pk()
    slug: str = Field(max_length=63, unique=True, index=True)
    status: PartnerStatus = Field(default=PartnerStatus.ACTIVE, sa_type=enum_type(PartnerStatus))
    created_at: datetime = created_at_field()
