"""OAuth 2 server state (clients, codes, tokens, consents, signing keys) and the hosted login
page's own: its browser sessions and the password attempts counted for throttling."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from c2c_api.db import UTCDateTime, created_at_field, enum_type, uuid_pk


class ClientKind(StrEnum):
    PUBLIC = "public"  # a front end (browser, mobile app): no secret, PKCE mandatory
    CONFIDENTIAL = "confidential"  # a back end holding a secret (partner integrations)


class OAuthClient(SQLModel, table=True):
    __tablename__ = "oauth_clients"

    id: uuid.UUID = uuid_pk()
    client_id: str = Field(max_length=64, unique=True, index=True)
    # SHA-256 digest of a 256-bit random secret; None for public clients.
    client_secret_digest: str | None = Field(default=None, max_length=64)
    name: str = Field(max_length=120)
    kind: ClientKind = Field(sa_type=enum_type(ClientKind))
    redirect_uris: list[str] = Field(default_factory=list, sa_type=JSON)
    # Scopes this client may ever obtain.
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)
    # First-party clients (our own front ends, the operators' console) skip the consent screen.
    first_party: bool = Field(default=False)
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id", index=True)
    created_at: datetime = created_at_field()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthorizationCode(SQLModel, table=True):
    __tablename__ = "oauth_authorization_codes"

    id: uuid.UUID = uuid_pk()
    code_digest: str = Field(max_length=64, unique=True)
    client_id: str = Field(max_length=64, index=True)
    member_id: uuid.UUID = Field(foreign_key="members.id", ondelete="CASCADE")
    redirect_uri: str = Field(max_length=500)
    scope: str = Field(max_length=1000)
    code_challenge: str | None = Field(default=None, max_length=128)
    code_challenge_method: str | None = Field(default=None, max_length=8)
    nonce: str | None = Field(default=None, max_length=255)
    auth_time: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The refresh-token family created when the code was exchanged: revoked if the code is reused.
    family_id: uuid.UUID | None = Field(default=None)


class RefreshToken(SQLModel, table=True):
    """An opaque refresh token; each use rotates it within its family."""

    __tablename__ = "oauth_refresh_tokens"

    id: uuid.UUID = uuid_pk()
    token_digest: str = Field(max_length=64, unique=True)
    family_id: uuid.UUID = Field(index=True)
    client_id: str = Field(max_length=64, index=True)
    member_id: uuid.UUID = Field(foreign_key="members.id", index=True, ondelete="CASCADE")
    scope: str = Field(max_length=1000)
    # When the member signed in (carried into the `auth_time` claim of refreshed tokens).
    auth_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    rotated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccessToken(SQLModel, table=True):
    """The record of an issued JWT access token, by `jti`, so that it can be revoked."""

    __tablename__ = "oauth_access_tokens"

    jti: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(max_length=64, index=True)
    member_id: uuid.UUID | None = Field(default=None, foreign_key="members.id", index=True)
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id", index=True)
    family_id: uuid.UUID | None = Field(default=None, index=True)
    scope: str = Field(max_length=1000)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Consent(SQLModel, table=True):
    """Scopes a member granted to a third-party client (asked once, until widened)."""

    __tablename__ = "oauth_consents"
    __table_args__ = (sa.UniqueConstraint("member_id", "client_id"),)

    id: uuid.UUID = uuid_pk()
    member_id: uuid.UUID = Field(foreign_key="members.id", ondelete="CASCADE")
    client_id: str = Field(max_length=64)
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = created_at_field()


class SigningKey(SQLModel, table=True):
    """A JWT signing key; the private part is an encrypted PEM (C2C_SECRET_KEY)."""

    __tablename__ = "oauth_signing_keys"

    kid: str = Field(primary_key=True, max_length=64)
    algorithm: str = Field(default="RS256", max_length=16)
    private_pem: str = Field(sa_type=sa.Text)
    public_jwk: dict[str, str] = Field(sa_type=JSON)
    created_at: datetime = created_at_field()
    # When a newer key took over: still published until its last token expires.
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """One password check, kept for throttling per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_email_at", "email", "at"),
        sa.Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: uuid.UUID = uuid_pk()
    email: str = Field(max_length=254)
    address: str = Field(max_length=64)
    succeeded: bool
    at: datetime = created_at_field()


class LoginSession(SQLModel, table=True):
    """A browser session of the hosted login page (cookie holds the token, we keep its digest)."""

    __tablename__ = "login_sessions"

    id: uuid.UUID = uuid_pk()
    token_digest: str = Field(max_length=64, unique=True)
    member_id: uuid.UUID = Field(foreign_key="members.id", index=True, ondelete="CASCADE")
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_agent: str = Field(default="", max_length=255)
    address: str = Field(default="", max_length=64)
