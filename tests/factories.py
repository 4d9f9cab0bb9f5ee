"""Plain async factories for tests: real rows, sensible defaults, overrides by keyword.

Argon2 is slow on purpose: every member made here shares one password hash, computed once per
test session. Its password is `FACTORY_PASSWORD`.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ActorKind, scopes_for
from c2c_api.kit.clock import utcnow
from c2c_api.kit.passwords import hash_password_sync
from c2c_api.partners.models import Partner
from c2c_api.users.models import Member

FACTORY_PASSWORD = "factory-password-123"
_sequence = itertools.count(1)


@lru_cache(maxsize=1)
def factory_password_hash() -> str:
    return hash_password_sync(FACTORY_PASSWORD)


async def create_member(session: AsyncSession, **overrides: Any) -> Member:
    """A verified, active member (password FACTORY_PASSWORD unless `password_hash` is given)."""
    n = next(_sequence)
    now = utcnow()
    values: dict[str, Any] = {
        "email": f"member{n}@example.com",
        "display_name": f"Member {n}",
        "password_hash": factory_password_hash(),
        "email_verified_at": now,
        "created_at": now,
        "updated_at": now,
    }
    values.update(overrides)
    member = Member(**values)
    session.add(member)
    await session.flush()
    return member


async def create_partner(session: AsyncSession, **overrides: Any) -> Partner:
    """An active partner with a unique slug."""
    n = next(_sequence)
    values: dict[str, Any] = {
        "slug": f"partner-{n}",
        "name": f"Partner {n}",
        "created_at": utcnow(),
    }
    values.update(overrides)
    partner = Partner(**values)
    session.add(partner)
    await session.flush()
    return partner


def member_actor(member: Member, *scopes: str) -> Actor:
    """The Actor of a member's token (every member scope unless `scopes` are given)."""
    return Actor(
        kind=ActorKind.OPERATOR if member.is_operator else ActorKind.MEMBER,
        scopes=frozenset(scopes or scopes_for(ActorKind.MEMBER)),
        member_id=member.id,
        partner_id=None,
        client_id="test-client",
    )


def operator_actor(member: Member, *scopes: str) -> Actor:
    """The Actor of an operator's token (every operator scope unless `scopes` are given)."""
    return Actor(
        kind=ActorKind.OPERATOR,
        scopes=frozenset(scopes or scopes_for(ActorKind.OPERATOR)),
        member_id=member.id,
        client_id="test-console",
    )


def partner_actor(partner: Partner, *scopes: str) -> Actor:
    """The Actor of a partner's client-credentials token (every partner scope by default)."""
    return Actor(
        kind=ActorKind.PARTNER,
        scopes=frozenset(scopes or scopes_for(ActorKind.PARTNER)),
        partner_id=partner.id,
        client_id="test-partner",
    )
