"""Partner use cases: white-label storefronts (tenants), their members."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api import authz
from c2c_api.authz import Actor, require_partner
from c2c_api.errors import Forbidden, InvalidInput, NotFound, SlugTaken
from c2c_api.i18n import translatable
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Page, Position
from c2c_api.kit.text import has_control_characters
from c2c_api.partners.models import Partner, PartnerStatus
from c2c_api.users import service as users
from c2c_api.users.models import Member

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,61}[a-z0-9]$")
NAME_MAX = 120
# Slugs that would read as ours in a storefront's address.
RESERVED_SLUGS = frozenset(
    {"admin", "api", "app", "c2c", "graphql", "help", "oauth", "static", "support", "www"}
)
MAX_PAGE = 100

Cursor = Position


async def get_partners(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Partner]:
    """Partners by id (their public face: name and slug)."""
    if not ids:
        return {}
    rows = await session.exec(select(Partner).where(col(Partner.id).in_(ids)))
    return {p.id: p for p in rows}


async def get_own_partner(session: AsyncSession, actor: Actor) -> Partner:
    """The partner a partner token is bound to."""
    partner = await session.get(Partner, require_partner(actor))
    if partner is None:
        raise NotFound()
    return partner


async def get_partner_by_slug(session: AsyncSession, *, slug: str) -> Partner | None:
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        return None  # not a slug at all (e.g. NUL, which PostgreSQL refuses in text)
    return (await session.exec(select(Partner).where(Partner.slug == slug))).first()


async def storefront_id(session: AsyncSession, *, slug: str) -> uuid.UUID:
    """The id of the active storefront with this slug (sign-up through a storefront)."""
    partner = await get_partner_by_slug(session, slug=slug)
    if partner is None or partner.status != PartnerStatus.ACTIVE:
        raise InvalidInput("This storefront does not exist.", fields=["storefront"])
    return partner.id


def _check_page(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"Ask for 1 to {MAX_PAGE} items.", fields=["first"])


async def create_partner(session: AsyncSession, actor: Actor, *, slug: str, name: str) -> Partner:
    """Register a partner (operators with admin:partners only)."""
    if not authz.can_manage_partners(actor):
        raise Forbidden()
    slug = slug.strip().lower()
    name = name.strip()
    problems: dict[str, str] = {}
    if not SLUG_PATTERN.match(slug):
        problems["slug"] = translatable(
            "Use 2 to 63 lowercase letters, digits and single hyphens, "
            "starting and ending with a letter or digit."
        )
    elif slug in RESERVED_SLUGS:
        problems["slug"] = translatable("This slug is reserved.")
    if not name or len(name) > NAME_MAX:
        problems["name"] = translatable(f"Use 1 to {NAME_MAX} characters.")
    elif has_control_characters(name):
        problems["name"] = translatable("Remove the control characters.")
    if problems:
        fields = list(problems)
        message = problems[fields[0]] if len(fields) == 1 else "Several fields are not valid."
        raise InvalidInput(message, fields=fields, context=problems)
    if await get_partner_by_slug(session, slug=slug) is not None:
        raise SlugTaken(fields=["slug"])
    partner = Partner(slug=slug, name=name, created_at=utcnow())
    try:
        async with session.begin_nested():
            session.add(partner)
            await session.flush()
    except IntegrityError as exc:
        raise SlugTaken(fields=["slug"]) from exc
    return partner


async def list_partners(
    session: AsyncSession, actor: Actor, *, limit: int = 20, after: Cursor | None = None
) -> Page[Partner]:
    """Every partner, oldest first, keyset-paginated (operators with admin:partners only)."""
    if not authz.can_manage_partners(actor):
        raise Forbidden()
    _check_page(limit)
    query = select(Partner)
    if after is not None:
        query = query.where(sa.tuple_(col(Partner.created_at), col(Partner.id)) > sa.tuple_(*after))
    query = query.order_by(col(Partner.created_at), col(Partner.id)).limit(limit + 1)
    return Page.of(list(await session.exec(query)), limit)


async def list_partner_members(
    session: AsyncSession,
    actor: Actor,
    *,
    partner_id: uuid.UUID,
    limit: int = 20,
    after: Cursor | None = None,
) -> Page[Member]:
    """Members who joined through a storefront: for that partner (partner:members) and
    partner admins; an empty list for everyone else."""
    _check_page(limit)
    if not authz.can_list_partner_members(actor, partner_id):
        return Page(items=[], has_next=False)
    rows = await users.list_members_of_partner(
        session, partner_id=partner_id, limit=limit + 1, after=after
    )
    return Page.of(rows, limit)
