"""How every listing write is framed: row lock, version check, owner check, revision.

Each write locks the row (SELECT … FOR UPDATE on PostgreSQL; SQLite writers hold the database
lock), checks `expectedVersion`, bumps `version` and writes a ListingRevision (snapshot, changed
fields, actor) in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ActorKind, ListingPolicy
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.errors import Forbidden, NotFound
from c2c_api.kit.clock import utcnow
from c2c_api.listings.errors import VersionConflict
from c2c_api.listings.models import Listing, ListingRevision
from c2c_api.listings.validation import field_name, snapshot_of


async def record_revision(
    session: AsyncSession,
    actor: Actor | None,
    listing: Listing,
    *,
    action: str,
    changed: Iterable[str] = (),
    extra: dict[str, Any] | None = None,
) -> None:
    """Write the revision of the listing's current version (the edit history)."""
    kind = ListingKind(listing.kind)
    snapshot = snapshot_of(listing)
    if extra:
        snapshot.update(extra)
    session.add(
        ListingRevision(
            listing_id=listing.id,
            version=listing.version,
            action=action,
            actor_member_id=actor.member_id if actor is not None else None,
            actor_partner_id=(
                actor.partner_id if actor is not None and actor.kind == ActorKind.PARTNER else None
            ),
            snapshot=snapshot,
            changed_fields=sorted({field_name(kind, c) for c in changed}),
            created_at=utcnow(),
        )
    )
    await session.flush()


async def load_for_update(
    session: AsyncSession, actor: Actor, listing_id: uuid.UUID, *, moderating: bool = False
) -> Listing:
    """The listing, row-locked for this transaction; NotFound when the caller may not see it."""
    listing = (
        await session.exec(
            select(Listing)
            .where(Listing.id == listing_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if listing is None:
        raise NotFound()
    if moderating and ListingPolicy.can_moderate(actor, listing):
        return listing  # a storefront's moderator restores what it removed
    if not ListingPolicy.can_see(actor, listing):
        raise NotFound()
    if moderating:
        raise Forbidden()
    return listing


def check_version(listing: Listing, expected: int | None) -> None:
    """VersionConflict unless `expected` (when given) is the listing's current version."""
    if expected is not None and expected != listing.version:
        raise VersionConflict(
            fields=["expectedVersion"], context={"currentVersion": listing.version}
        )


def ensure_owner(actor: Actor, listing: Listing) -> None:
    """Forbidden unless the caller is the listing's seller with listings:write."""
    if not ListingPolicy.can_edit(actor, listing):
        raise Forbidden()


async def bump(
    session: AsyncSession,
    actor: Actor | None,
    listing: Listing,
    *,
    action: str,
    changed: Iterable[str] = (),
    extra: dict[str, Any] | None = None,
) -> Listing:
    """Bump the version and write the revision of this change."""
    listing.version += 1
    listing.updated_at = utcnow()
    session.add(listing)
    await session.flush()
    await record_revision(session, actor, listing, action=action, changed=changed, extra=extra)
    return listing
