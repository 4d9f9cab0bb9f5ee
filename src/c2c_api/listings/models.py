"""Listings of every kind and their edit history (favorites and questions: their own domains)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from c2c_api.categories.taxonomy import ListingKind
from c2c_api.db import UTCDateTime, created_at_field, enum_type, uuid_pk


class ListingStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    PAUSED = "PAUSED"
    RESERVED = "RESERVED"  # a deal is in progress (orders issue)
    SOLD = "SOLD"  # the last unit is gone (orders issue)
    CLOSED = "CLOSED"  # ended by its owner
    EXPIRED = "EXPIRED"  # ended by time (auction end, deadline, listing lifetime)
    REMOVED = "REMOVED"  # taken down by moderation


class Condition(StrEnum):
    NEW = "NEW"
    LIKE_NEW = "LIKE_NEW"
    GOOD = "GOOD"
    FAIR = "FAIR"
    FOR_PARTS = "FOR_PARTS"


class Visibility(StrEnum):
    MARKETPLACE = "MARKETPLACE"  # seen on the whole marketplace
    STOREFRONT = "STOREFRONT"  # kept to its partner's storefront


class PriceUnit(StrEnum):
    """What a SERVICE price covers."""

    FIXED = "FIXED"
    HOUR = "HOUR"
    DAY = "DAY"


class Listing(SQLModel, table=True):
    """One table for every kind; kind-specific columns are null where they do not apply.

    Amounts are integer minor units of `currency`. The exact position (`latitude`/`longitude`)
    never leaves the service; `public_latitude`/`public_longitude` are the approximate position
    shown and searched.
    """

    __tablename__ = "listings"
    __table_args__ = (
        sa.Index("ix_listings_status_published", "status", "published_at", "id"),
        sa.Index("ix_listings_status_sort_price", "status", "sort_price", "id"),
        sa.Index("ix_listings_status_ends", "status", "ends_at", "id"),
        # A category's newest listings in index order (browsing, attribute filters): the scan
        # stops after a page instead of sorting the whole category.
        sa.Index("ix_listings_category_published", "category_slug", "status", "published_at", "id"),
        sa.Index("ix_listings_seller_status", "seller_id", "status"),
        sa.Index("ix_listings_public_position", "public_latitude", "public_longitude"),
        sa.CheckConstraint(
            "reserved_quantity >= 0 AND sold_quantity >= 0 "
            "AND reserved_quantity + sold_quantity <= quantity",
            name="stock",
        ),
    )

    id: uuid.UUID = uuid_pk()
    kind: ListingKind = Field(sa_type=enum_type(ListingKind))
    status: ListingStatus = Field(default=ListingStatus.DRAFT, sa_type=enum_type(ListingStatus))
    seller_id: uuid.UUID = Field(foreign_key="members.id")
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id", index=True)
    visibility: Visibility = Field(default=Visibility.MARKETPLACE, sa_type=enum_type(Visibility))

    title: str = Field(max_length=120)
    description: str = Field(default="", sa_type=sa.Text)
    category_slug: str = Field(foreign_key="categories.slug")
    condition: Condition | None = Field(default=None, sa_type=enum_type(Condition))
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    quantity: int = Field(default=1)
    # Stock: units held by unpaid or open orders, and units sold (orders issue). A check
    # constraint keeps reserved + sold <= quantity, so the last unit is sold once.
    reserved_quantity: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    sold_quantity: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    currency: str = Field(default="EUR", max_length=3)

    # SALE: the price; WANTED: the budget; SERVICE: the rate; GROUP_BUY: the unit price.
    price: int | None = None
    accepts_offers: bool = False
    # AUCTION
    start_price: int | None = None
    reserve_price: int | None = None
    buy_now_price: int | None = None
    bid_increment: int | None = None
    # RENTAL
    price_per_day: int | None = None
    deposit: int | None = None
    min_days: int | None = None
    max_days: int | None = None
    # SERVICE
    price_unit: PriceUnit | None = Field(default=None, sa_type=enum_type(PriceUnit))
    duration_minutes: int | None = None
    # SWAP: what the owner would take in exchange.
    swap_seeks: str | None = Field(default=None, max_length=500)
    # GROUP_BUY
    target_quantity: int | None = None
    # AUCTION end, GROUP_BUY deadline; null for kinds that do not end by time.
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The price used for sorting and price filters, whatever the kind (null when free/none).
    sort_price: int | None = None

    # Location
    city: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=2, index=True)
    latitude: float | None = None
    longitude: float | None = None
    public_latitude: float | None = None
    public_longitude: float | None = None

    # Handover
    shipping_enabled: bool = False
    shipping_fee: int | None = None
    shipping_carriers: list[str] = Field(default_factory=list, sa_type=JSON)
    meetup_enabled: bool = False
    meetup_area: str | None = Field(default=None, max_length=200)

    version: int = Field(default=1)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ListingRevision(SQLModel, table=True):
    """The edit history, kept for disputes: one row per change, with the listing as it became."""

    __tablename__ = "listing_revisions"
    __table_args__ = (sa.UniqueConstraint("listing_id", "version"),)

    id: uuid.UUID = uuid_pk()
    listing_id: uuid.UUID = Field(foreign_key="listings.id", index=True, ondelete="CASCADE")
    version: int
    action: str = Field(max_length=32)  # created, updated, published, paused, closed, …
    actor_member_id: uuid.UUID | None = Field(default=None, foreign_key="members.id")
    actor_partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id")
    snapshot: dict[str, Any] = Field(sa_type=JSON)
    changed_fields: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = created_at_field()
