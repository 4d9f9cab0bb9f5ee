"""Factories for members, partners, OAuth clients and real access tokens.

Tokens come from the server's own issuing code (c2c_api.auth.issuing), never hand-signed.
Members share one Argon2 hash computed once per test session, so creating them is cheap.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from c2c_api.auth.clients import create_client
from c2c_api.auth.issuing import issue_client_credentials_token, issue_member_tokens
from c2c_api.auth.models import ClientKind, OAuthClient
from c2c_api.authz import ActorKind, scopes_for
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.kit.passwords import hash_password_sync
from c2c_api.partners.models import Partner
from c2c_api.users.models import Member, MemberStatus

PASSWORD = "correct horse battery staple"
REDIRECT_URI = "http://127.0.0.1:3000/callback"
ALL_MEMBER_SCOPES = scopes_for(ActorKind.MEMBER)
ALL_ADMIN_SCOPES = scopes_for(ActorKind.OPERATOR)
ALL_PARTNER_SCOPES = scopes_for(ActorKind.PARTNER)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """The Argon2id hash of PASSWORD, computed once per test session."""
    return hash_password_sync(PASSWORD)


async def create_member(
    db: Database,
    *,
    email: str | None = None,
    display_name: str = "Member",
    operator: bool = False,
    partner: Partner | None = None,
    status: MemberStatus = MemberStatus.ACTIVE,
    verified: bool = True,
) -> Member:
    """A committed member whose password is PASSWORD."""
    now = utcnow()
    member = Member(
        email=email or f"m-{uuid.uuid4().hex[:10]}@example.com",
        password_hash=password_hash(),
        display_name=display_name,
        is_operator=operator,
        status=status,
        partner_id=partner.id if partner is not None else None,
        email_verified_at=now if verified else None,
        created_at=now,
        updated_at=now,
    )
    async with db.transaction() as session:
        session.add(member)
    return member


async def create_partner(db: Database, *, slug: str | None = None, name: str = "Shop") -> Partner:
    partner = Partner(slug=slug or f"p-{uuid.uuid4().hex[:8]}", name=name)
    async with db.transaction() as session:
        session.add(partner)
    return partner


async def create_oauth_client(
    db: Database,
    *,
    kind: ClientKind = ClientKind.PUBLIC,
    scopes: list[str] | None = None,
    redirect_uris: list[str] | None = None,
    partner: Partner | None = None,
    first_party: bool = False,
    name: str = "Test app",
) -> tuple[OAuthClient, str | None]:
    """A committed client with its secret (None for public clients)."""
    async with db.transaction() as session:
        return await create_client(
            session,
            name=name,
            kind=kind,
            redirect_uris=[REDIRECT_URI] if redirect_uris is None else redirect_uris,
            scopes=ALL_MEMBER_SCOPES if scopes is None else scopes,
            partner_id=partner.id if partner is not None else None,
            first_party=first_party,
        )


async def member_tokens(
    db: Database, *, member: Member, scopes: list[str], client: OAuthClient | None = None
) -> dict[str, Any]:
    """A full token response (access + refresh) for `member` through a first-party client."""
    if client is None:
        client, _ = await create_oauth_client(
            db, scopes=[*ALL_MEMBER_SCOPES, *ALL_ADMIN_SCOPES], first_party=True
        )
    return await issue_member_tokens(
        db, client_id=client.client_id, member_id=member.id, scopes=scopes
    )


async def create_member_with_token(
    db: Database,
    *,
    scopes: list[str],
    operator: bool = False,
    partner: Partner | None = None,
) -> tuple[Member, str]:
    """A member (operator when asked; joined through `partner`) and an access token."""
    member = await create_member(db, operator=operator, partner=partner)
    tokens = await member_tokens(db, member=member, scopes=scopes)
    return member, tokens["access_token"]


async def partner_token(
    db: Database, *, scopes: list[str], partner: Partner | None = None
) -> tuple[Partner, str]:
    """A partner (created unless given) and a client-credentials token of its client."""
    partner = partner or await create_partner(db)
    client, _ = await create_oauth_client(
        db,
        kind=ClientKind.CONFIDENTIAL,
        scopes=ALL_PARTNER_SCOPES,
        redirect_uris=[],
        partner=partner,
    )
    token = await issue_client_credentials_token(db, client_id=client.client_id, scopes=scopes)
    return partner, token["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
