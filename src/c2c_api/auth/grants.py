"""Revoking what a member was granted: refresh tokens, access tokens, login sessions."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.auth.models import AccessToken, RefreshToken
from c2c_api.kit.clock import utcnow
from c2c_api.users.models import LoginSession


def _member_revocations(member_id: uuid.UUID) -> list[sa.Update]:
    now = utcnow()
    return [
        sa.update(RefreshToken)
        .where(col(RefreshToken.member_id) == member_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now),
        sa.update(AccessToken)
        .where(col(AccessToken.member_id) == member_id, col(AccessToken.revoked_at).is_(None))
        .values(revoked_at=now),
        sa.update(LoginSession)
        .where(col(LoginSession.member_id) == member_id, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=now),
    ]


async def revoke_member_grants(session: AsyncSession, *, member_id: uuid.UUID) -> None:
    """Revoke every refresh token, access token and login session of a member (after a
    password reset or change, a suspension)."""
    for statement in _member_revocations(member_id):
        await session.exec(statement)
    await session.flush()


def _family_revocations(family_id: uuid.UUID) -> list[sa.Update]:
    now = utcnow()
    return [
        sa.update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now),
        sa.update(AccessToken)
        .where(col(AccessToken.family_id) == family_id, col(AccessToken.revoked_at).is_(None))
        .values(revoked_at=now),
    ]


def revoke_family_sync(session: Session, *, family_id: uuid.UUID) -> None:
    """Revoke a refresh-token family: all its refresh tokens and the access tokens it issued."""
    for statement in _family_revocations(family_id):
        session.execute(statement)


async def revoke_family(session: AsyncSession, *, family_id: uuid.UUID) -> None:
    """Async twin of `revoke_family_sync`."""
    for statement in _family_revocations(family_id):
        await session.exec(statement)
    await session.flush()
