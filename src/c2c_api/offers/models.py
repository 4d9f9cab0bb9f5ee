"""Offers on SALE listings (best offer, counter-offers) and answers to WANTED listings."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, enum_type, uuid_pk


class OfferStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    COUNTERED = "COUNTERED"  # answered by a counter-offer (the next offer of its chain)
    WITHDRAWN = "WITHDRAWN"
    EXPIRED = "EXPIRED"


class OfferParty(StrEnum):
    BUYER = "BUYER"
    SELLER = "SELLER"


class Offer(SQLModel, table=True):
    """One offer of a negotiation chain; `amount` is the price per unit, in minor units.

    On a SALE listing the buyer is the one who offers and the seller the listing's owner; on a
    WANTED listing the owner is the buyer and the answering member the seller.
    """

    __tablename__ = "offers"
    __table_args__ = (
        sa.Index("ix_offers_buyer_status", "buyer_id", "status"),
        sa.Index("ix_offers_seller_created", "seller_id", "created_at", "id"),
        sa.Index("ix_offers_buyer_created", "buyer_id", "created_at", "id"),
        sa.Index("ix_offers_listing_status", "listing_id", "status"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: uuid.UUID = uuid_pk()
    listing_id: uuid.UUID = Field(foreign_key="listings.id")
    buyer_id: uuid.UUID = Field(foreign_key="members.id")
    seller_id: uuid.UUID = Field(foreign_key="members.id")
    made_by: OfferParty = Field(sa_type=enum_type(OfferParty))
    amount: int = Field(sa_type=sa.BigInteger)
    quantity: int = 1
    currency: str = Field(max_length=3)
    message: str | None = Field(default=None, max_length=500)
    # How the buyer wants the item (SALE offers: chosen by the buyer; WANTED: at acceptance).
    handover: str | None = Field(default=None, max_length=16)
    # WANTED: the answering member's own listing they propose.
    offered_listing_id: uuid.UUID | None = Field(default=None, foreign_key="listings.id")
    status: OfferStatus = Field(default=OfferStatus.PENDING, sa_type=enum_type(OfferStatus))
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="offers.id")
    root_id: uuid.UUID | None = Field(default=None, index=True)
    order_id: uuid.UUID | None = Field(default=None)
    auto: bool = False  # answered by the seller's automatic threshold
    expires_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()


class OfferRules(SQLModel, table=True):
    """A seller's automatic answers on one listing: accept at or above, decline below."""

    __tablename__ = "offer_rules"

    listing_id: uuid.UUID = Field(foreign_key="listings.id", primary_key=True, ondelete="CASCADE")
    auto_accept_amount: int | None = Field(default=None, sa_type=sa.BigInteger)
    auto_decline_amount: int | None = Field(default=None, sa_type=sa.BigInteger)
    updated_at: datetime = created_at_field()
