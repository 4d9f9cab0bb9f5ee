"""Revoking what a member was granted: refresh tokens, access tokens, login sessions."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.auth.models import AccessToken, LoginSession, RefreshToken
from c2c_api.kit.clock import utcnow


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
    # Same reason as _family_lock: wait for rotations in flight so that their tokens are seen.
    lock = (
        select(col(RefreshToken.id))
        .where(col(RefreshToken.member_id) == member_id)
        .with_for_update()
    )
    (await session.exec(lock)).all()
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


def _family_lock(family_id: uuid.UUID) -> Any:
    """Lock the family's refresh tokens (PostgreSQL; SQLite serialises writers anyway).

    A rotation in flight holds the row lock of the token it rotates until it commits, with its
    new token inserted. Waiting for that lock *before* the UPDATEs makes them statements that
    start after the rotation committed, so under READ COMMITTED they see (and revoke) the new
    token; an UPDATE alone would only re-check the rows of its own snapshot and miss it.
    """
    return (
        select(col(RefreshToken.id))
        .where(col(RefreshToken.family_id) == family_id)
        .with_for_update()
    )


def revoke_family_sync(session: Session, *, family_id: uuid.UUID) -> None:
    """Revoke a refresh-token family: all its refresh tokens and the access tokens it issued."""
    session.execute(_family_lock(family_id)).all()
    for statement in _family_revocations(family_id):
        session.execute(statement)


async def revoke_family(session: AsyncSession, *, family_id: uuid.UUID) -> None:
    """Async twin of `revoke_family_sync`."""
    (await session.exec(_family_lock(family_id))).all()
    for statement in _family_revocations(family_id):
        await session.exec(statement)
    await session.flush()
