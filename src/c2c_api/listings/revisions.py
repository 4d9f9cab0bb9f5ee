"""How every listing write is framed: row lock, version check, owner check, revision.

Each write locks the row (SELECT … FOR UPDATE on PostgreSQL; SQLite writers hold the database
lock), checks `expectedVersion`, bumps `version` and writes a ListingRevision (snapshot, changed
fields, actor) in the same transaction. When the status, a price or the end time changed, it
also records a "listing.changed" outbox event (subscriptions) and moves the listing's expiry
timer (armed while the listing is published or paused, cancelled otherwise).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import ENDING_STATUSES, Actor, ActorKind, ListingPolicy
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.errors import Forbidden, NotFound
from c2c_api.events.service import cancel_timer, record_event, schedule_timer
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


async def locked_listing(session: AsyncSession, listing_id: uuid.UUID) -> Listing | None:
    """The listing row-locked for this transaction, re-read (never a stale identity-map copy)."""
    return (
        await session.exec(
            select(Listing)
            .where(Listing.id == listing_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()


async def load_for_update(
    session: AsyncSession, actor: Actor, listing_id: uuid.UUID, *, moderating: bool = False
) -> Listing:
    """The listing, row-locked for this transaction; NotFound when the caller may not see it."""
    listing = await locked_listing(session, listing_id)
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
    """Bump the version and write the revision of this change (and its event and timer)."""
    changed = set(changed)
    listing.version += 1
    listing.updated_at = utcnow()
    session.add(listing)
    await session.flush()
    await record_revision(session, actor, listing, action=action, changed=changed, extra=extra)
    if changed & ANNOUNCED_COLUMNS:
        await record_event(
            session,
            topic=LISTING_CHANGED_TOPIC,
            payload=listing_changed_payload(listing),
            member_id=listing.seller_id,
            partner_id=listing.partner_id,
        )
    if changed & TIMED_COLUMNS:
        await sync_expiry_timer(session, listing)
    return listing


LISTING_CHANGED_TOPIC = "listing.changed"
EXPIRE_ACTION = "listing.expire"
# Changes subscribers hear about ("listing.changed"): status, prices, end time.
PRICE_COLUMNS = frozenset(
    {"price", "start_price", "reserve_price", "buy_now_price", "price_per_day", "currency"}
)
TIMED_COLUMNS = frozenset({"status", "ends_at", "expires_at"})
ANNOUNCED_COLUMNS = PRICE_COLUMNS | TIMED_COLUMNS


def end_of(listing: Listing) -> datetime | None:
    """When a published or paused listing expires (its end time, or the listing lifetime)."""
    ends = [end for end in (listing.ends_at, listing.expires_at) if end is not None]
    return min(ends) if ends else None


def listing_changed_payload(listing: Listing) -> dict[str, Any]:
    end = end_of(listing)
    return {
        "listingId": str(listing.id),
        "version": listing.version,
        "status": ListingPolicy.effective_status(listing).value,
        "price": listing.sort_price,
        "currency": listing.currency,
        "endsAt": end.isoformat() if end is not None else None,
    }


async def sync_expiry_timer(session: AsyncSession, listing: Listing) -> None:
    """Arm the expiry timer at the listing's end while it is published or paused; else cancel."""
    end = end_of(listing)
    if listing.status in ENDING_STATUSES and end is not None:
        await schedule_timer(
            session, subject_type="listing", subject_id=listing.id, action=EXPIRE_ACTION, due_at=end
        )
    else:
        await cancel_timer(
            session, subject_type="listing", subject_id=listing.id, action=EXPIRE_ACTION
        )
