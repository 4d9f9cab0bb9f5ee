"""Partner use cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, require_partner
from c2c_api.errors import NotFound
from c2c_api.partners.models import Partner


async def get_partners(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Partner]:
    """Partners by id (their public face: name and slug)."""
    if not ids:
        return {}
    rows = await session.exec(select(Partner).where(Partner.id.in_(ids)))  # type: ignore[attr-defined]
    return {p.id: p for p in rows}


async def get_own_partner(session: AsyncSession, actor: Actor) -> Partner:
    """The partner a partner token is bound to."""
    partner = await session.get(Partner, require_partner(actor))
    if partner is None:
        raise NotFound()
    return partner
