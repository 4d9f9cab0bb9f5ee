"""Notification preferences (exceptions to the defaults) and when a thread was last e-mailed.

A member's preference for a notification type is stored only once the member has set it:
a type without a row has its default (e-mail on), so a new type needs no data migration.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, enum_type


class NotificationType(StrEnum):
    """What a notification e-mail is about; each type is switched on or off per member."""

    MESSAGE_RECEIVED = "MESSAGE_RECEIVED"  # a new message while not connected
    OFFER_RECEIVED = "OFFER_RECEIVED"  # an offer on one of the member's listings
    OFFER_ANSWERED = "OFFER_ANSWERED"  # the member's offer accepted, declined, countered, ...
    ORDER_UPDATED = "ORDER_UPDATED"  # the counterpart took a step of an order
    RATING_REVEALED = "RATING_REVEALED"  # the ratings of a deal became visible


# E-mail is on unless the member turned it off (stored as an exception to this).
EMAIL_DEFAULT = True


class NotificationPreference(SQLModel, table=True):
    """A member's choice for one notification type (absent: the default)."""

    __tablename__ = "notification_preferences"

    member_id: uuid.UUID = Field(foreign_key="members.id", primary_key=True, ondelete="CASCADE")
    type: NotificationType = Field(sa_type=enum_type(NotificationType, length=32), primary_key=True)
    email: bool
    updated_at: datetime = created_at_field()
    # Unsubscribe links issued before this time are refused: turning a type back on revokes
    # the links of the e-mails sent before (docs/notifications.md, "Unsubscribe").
    links_valid_from: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ThreadNotification(SQLModel, table=True):
    """When a member was last e-mailed about a conversation thread (coalescing)."""

    __tablename__ = "thread_notifications"

    member_id: uuid.UUID = Field(foreign_key="members.id", primary_key=True, ondelete="CASCADE")
    # The conversation's id as the payload names it (conversations live in another domain).
    thread_id: str = Field(max_length=64, primary_key=True)
    last_sent_at: datetime = Field(sa_type=UTCDateTime)
    # Messages left without an e-mail since, because one was sent less than N minutes before.
    coalesced: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
