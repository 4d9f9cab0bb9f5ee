"""Blocks between members: no message, offer or order between them, in either direction.

The blocked member is never told who blocked whom: every refusal is MEMBER_UNAVAILABLE,
whichever side blocked. Existing orders go on (their steps and system messages); new
messages, offers, counter-offers, acceptances and purchases between the two are refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, require_member
from c2c_api.conversations.errors import BlockOfSelf, MemberNotFound, MemberUnavailable
from c2c_api.conversations.models import MemberBlock
from c2c_api.db import dialect_insert
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Page, Position, keyset_page
from c2c_api.users.models import Member


async def is_blocked_between(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> bool:
    """Whether either member blocked the other (one statement on the primary key)."""
    found = (
        await session.exec(
            select(MemberBlock.blocker_id)
            .where(
                sa.or_(
                    sa.and_(col(MemberBlock.blocker_id) == a, col(MemberBlock.blocked_id) == b),
                    sa.and_(col(MemberBlock.blocker_id) == b, col(MemberBlock.blocked_id) == a),
                )
            )
            .limit(1)
        )
    ).first()
    return found is not None


async def ensure_not_blocked(
    session: AsyncSession, a: uuid.UUID, b: uuid.UUID, *, fields: Sequence[str] = ()
) -> None:
    """MEMBER_UNAVAILABLE when either member blocked the other."""
    if a != b and await is_blocked_between(session, a, b):
        raise MemberUnavailable(fields=fields)


async def _member(session: AsyncSession, member_id: uuid.UUID) -> Member:
    member = await session.get(Member, member_id)
    if member is None:
        raise MemberNotFound(fields=["memberId"])
    return member


async def block_member(session: AsyncSession, actor: Actor, *, member_id: uuid.UUID) -> Member:
    """The caller blocks a member (blocking twice keeps one block)."""
    me = require_member(actor)
    if member_id == me:
        raise BlockOfSelf(fields=["memberId"])
    member = await _member(session, member_id)
    await session.exec(
        dialect_insert(session)(MemberBlock)
        .values(blocker_id=me, blocked_id=member_id, created_at=utcnow())
        .on_conflict_do_nothing()
    )
    return member


async def unblock_member(session: AsyncSession, actor: Actor, *, member_id: uuid.UUID) -> Member:
    """The caller lifts their block (a no-op when there was none)."""
    me = require_member(actor)
    if member_id == me:
        raise BlockOfSelf(fields=["memberId"])
    member = await _member(session, member_id)
    await session.exec(
        sa.delete(MemberBlock).where(
            col(MemberBlock.blocker_id) == me, col(MemberBlock.blocked_id) == member_id
        )
    )
    return member


async def blocked_members(
    session: AsyncSession, actor: Actor, *, limit: int, after: Position | None
) -> Page[tuple[MemberBlock, Member]]:
    """The members the caller blocked, most recent block first."""
    me = require_member(actor)
    rows, has_next = await keyset_page(
        session,
        select(MemberBlock, Member)
        .join(Member, col(Member.id) == col(MemberBlock.blocked_id))
        .where(col(MemberBlock.blocker_id) == me),
        created_at=col(MemberBlock.created_at),
        ident=col(MemberBlock.blocked_id),
        after=after,
        limit=limit,
    )
    return Page(rows, has_next)
