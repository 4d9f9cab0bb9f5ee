"""Conversations: one thread per listing and interested member, its messages, and blocks.

A thread's key is (listing, interested member): the participant who is not the listing's
owner (the buyer of a SALE, the answering member of a WANTED listing). Messages are numbered
in their thread (`seq`, 1, 2, …): pages are read newest first on (thread_id, seq), and a
participant's read marker is the seq of the last message they read.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from c2c_api.db import created_at_field, enum_type, uuid_pk


class MessageKind(StrEnum):
    TEXT = "TEXT"  # written by a participant
    SYSTEM = "SYSTEM"  # an offer or order event, written by the platform


class Thread(SQLModel, table=True):
    """The conversation between a listing's owner and one interested member."""

    __tablename__ = "threads"
    __table_args__ = (sa.UniqueConstraint("listing_id", "interested_id"),)

    id: uuid.UUID = uuid_pk()
    listing_id: uuid.UUID = Field(foreign_key="listings.id")
    owner_id: uuid.UUID = Field(foreign_key="members.id")
    interested_id: uuid.UUID = Field(foreign_key="members.id")
    last_seq: int = 0  # the seq of the newest message (0: none yet)
    created_at: datetime = created_at_field()
    last_message_at: datetime = created_at_field()


class ThreadParticipant(SQLModel, table=True):
    """One participant's view of a thread: read marker, unread count, last activity.

    Kept per participant so that "my threads, newest activity first" and "my unread count"
    read one index of one member's rows."""

    __tablename__ = "thread_participants"
    __table_args__ = (
        sa.Index(
            "ix_thread_participants_member_activity", "member_id", "last_message_at", "thread_id"
        ),
        sa.CheckConstraint("unread_count >= 0", name="unread_not_negative"),
    )

    thread_id: uuid.UUID = Field(foreign_key="threads.id", primary_key=True, ondelete="CASCADE")
    member_id: uuid.UUID = Field(foreign_key="members.id", primary_key=True)
    counterpart_id: uuid.UUID = Field(foreign_key="members.id")
    last_read_seq: int = 0
    unread_count: int = 0
    last_message_at: datetime = created_at_field()


class Message(SQLModel, table=True):
    """A message of a thread: TEXT from a participant, or SYSTEM for an offer or order event."""

    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("thread_id", "seq"),
        # the rate limit counts a member's recent messages
        sa.Index("ix_messages_sender_kind_created", "sender_id", "kind", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    thread_id: uuid.UUID = Field(foreign_key="threads.id", ondelete="CASCADE")
    seq: int
    kind: MessageKind = Field(sa_type=enum_type(MessageKind))
    sender_id: uuid.UUID | None = Field(default=None, foreign_key="members.id")
    body: str | None = Field(default=None, sa_type=sa.Text)
    # SYSTEM: the event (offer.received, offer.updated, order.updated) and its data.
    event: str | None = Field(default=None, max_length=48)
    data: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    # TEXT: the scam warnings found when it was sent ([{"flag", "start", "end", "excerpt"}]).
    warnings: list[dict[str, Any]] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = created_at_field()


class MemberBlock(SQLModel, table=True):
    """`blocker_id` blocked `blocked_id`: no message, offer or order between them, either way."""

    __tablename__ = "member_blocks"
    __table_args__ = (
        sa.Index("ix_member_blocks_blocker_created", "blocker_id", "created_at", "blocked_id"),
        sa.Index("ix_member_blocks_blocked", "blocked_id"),
        sa.CheckConstraint("blocker_id <> blocked_id", name="not_self"),
    )

    blocker_id: uuid.UUID = Field(foreign_key="members.id", primary_key=True)
    blocked_id: uuid.UUID = Field(foreign_key="members.id", primary_key=True)
    created_at: datetime = created_at_field()
