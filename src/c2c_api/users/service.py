"""Member use cases: reads, profile."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, require_member
from c2c_api.errors import NotFound
from c2c_api.kit.clock import utcnow
from c2c_api.users.models import Member


async def get_members(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Member]:
    """Members by id (public profiles are visible to every caller)."""
    if not ids:
        return {}
    rows = await session.exec(select(Member).where(Member.id.in_(ids)))  # type: ignore[attr-defined]
    return {m.id: m for m in rows}


async def get_member_or_raise(session: AsyncSession, member_id: uuid.UUID) -> Member:
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFound()
    return member


async def update_profile(
    session: AsyncSession,
    actor: Actor,
    *,
    display_name: str | None = None,
    bio: str | None = None,
    avatar_url: str | None = None,
    locale: str | None = None,
    country: str | None = None,
    city: str | None = None,
) -> Member:
    """Change the caller's own profile; only the given fields change."""
    member = await get_member_or_raise(session, require_member(actor))
    changes = {
        "display_name": display_name,
        "bio": bio,
        "avatar_url": avatar_url,
        "locale": locale,
        "country": country,
        "city": city,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(member, name, value)
    member.updated_at = utcnow()
    session.add(member)
    await session.flush()
    return member
