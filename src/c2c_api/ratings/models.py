"""Ratings: after a completed order, each member rates the other once (docs/ratings.md).

A rating is hidden (`revealed_at` null) until both members of the order rated or the window
after completion ended; then it is public and never changes, but for its one reply, written
by the member it is about. Reputation is computed from revealed ratings (service.py): no
column here holds a score someone could type in.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, enum_type, uuid_pk

COMMENT_MAX = 1000
REPLY_MAX = 1000


class RatedRole(StrEnum):
    """The rated member's side of the deal (the rater had the other side)."""

    SELLER = "SELLER"  # rated by the buyer
    BUYER = "BUYER"  # rated by the seller


class Criterion(StrEnum):
    ITEM_AS_DESCRIBED = "ITEM_AS_DESCRIBED"
    COMMUNICATION = "COMMUNICATION"
    HANDOVER = "HANDOVER"  # shipped fast and well packed, or on time at the meet-up
    PUNCTUALITY = "PUNCTUALITY"  # paid, met and confirmed receipt without delay


# What the rater rates, by the side of the member rated (each criterion is optional).
CRITERIA_OF: dict[RatedRole, tuple[Criterion, ...]] = {
    RatedRole.SELLER: (Criterion.ITEM_AS_DESCRIBED, Criterion.COMMUNICATION, Criterion.HANDOVER),
    RatedRole.BUYER: (Criterion.COMMUNICATION, Criterion.PUNCTUALITY),
}


class Rating(SQLModel, table=True):
    """One member's rating of the other member of a completed order (one per rater and order)."""

    __tablename__ = "ratings"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "rater_id", name="uq_ratings_order_rater"),
        # Member.ratings: revealed ratings about a member, newest revealed first.
        sa.Index("ix_ratings_rated_revealed", "rated_id", "revealed_at", "id"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: uuid.UUID = uuid_pk()
    # lookups by order use the unique (order_id, rater_id)
    order_id: uuid.UUID = Field(foreign_key="orders.id")
    rater_id: uuid.UUID = Field(foreign_key="members.id")
    rated_id: uuid.UUID = Field(foreign_key="members.id")
    rated_as: RatedRole = Field(sa_type=enum_type(RatedRole, 16))
    score: int
    comment: str | None = Field(default=None, max_length=COMMENT_MAX)
    created_at: datetime = created_at_field()
    revealed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reply: str | None = Field(default=None, max_length=REPLY_MAX)
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RatingCriterion(SQLModel, table=True):
    """One criterion's score of a rating (1 to 5)."""

    __tablename__ = "rating_criteria"
    __table_args__ = (sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    rating_id: uuid.UUID = Field(foreign_key="ratings.id", primary_key=True, ondelete="CASCADE")
    criterion: Criterion = Field(sa_type=enum_type(Criterion), primary_key=True)
    score: int
