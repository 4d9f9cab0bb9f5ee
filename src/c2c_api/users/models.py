"""Members (consumers: every member buys and sells), their e-mail tokens and mail."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, enum_type, uuid_pk


class MemberStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class MemberProfile(SQLModel):
    """Profile fields, with their constraints written once (table and inputs share them)."""

    display_name: str = Field(min_length=1, max_length=60)
    bio: str = Field(default="", max_length=2000)
    avatar_url: str | None = Field(default=None, max_length=500)
    locale: str = Field(default="en", max_length=8)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    city: str | None = Field(default=None, max_length=100)


class Member(MemberProfile, table=True):
    __tablename__ = "members"

    id: uuid.UUID = uuid_pk()
    email: str = Field(max_length=254, unique=True, index=True)
    email_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    password_hash: str = Field(max_length=255)
    status: MemberStatus = Field(default=MemberStatus.ACTIVE, sa_type=enum_type(MemberStatus))
    is_operator: bool = Field(default=False)
    # The storefront (partner) the member joined through; None for the main marketplace.
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id", index=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class EmailTokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"


class EmailToken(SQLModel, table=True):
    """A single-use token sent by e-mail (verification, password reset); stored as a digest."""

    __tablename__ = "email_tokens"

    id: uuid.UUID = uuid_pk()
    token_digest: str = Field(max_length=64, unique=True)
    member_id: uuid.UUID = Field(foreign_key="members.id", index=True, ondelete="CASCADE")
    purpose: EmailTokenPurpose = Field(sa_type=enum_type(EmailTokenPurpose))
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MailStatus(StrEnum):
    PENDING = "pending"  # waiting to be handed to the mailer (after the transaction commits)
    SENT = "sent"  # accepted by the SMTP server
    STORED = "stored"  # kept in the database only (development mailer): read it with the CLI
    FAILED = "failed"  # gave up after the maximum number of attempts (kept; can be retried)


class MailMessage(SQLModel, table=True):
    """Outgoing mail, written in the transaction that causes it (an outbox), sent after commit."""

    __tablename__ = "mail_messages"

    id: uuid.UUID = uuid_pk()
    to_address: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=255)
    body_text: str = Field(sa_type=sa.Text)
    # Extra header fields (List-Unsubscribe of notification e-mails); None: none.
    headers: dict[str, str] | None = Field(default=None, sa_type=JSON)
    status: MailStatus = Field(
        default=MailStatus.PENDING, sa_type=enum_type(MailStatus), index=True
    )
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=500)
    # After a failed attempt, not retried before this time (exponential backoff).
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
