"""Listing lifecycle: publish, pause, resume, close; moderation (remove, restore); expiry."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import ENDING_STATUSES, Actor, ActorKind, ListingPolicy
from c2c_api.categories.service import get_taxonomy
from c2c_api.errors import Forbidden, InvalidInput, InvalidState
from c2c_api.events.service import record_event
from c2c_api.kit.clock import utcnow
from c2c_api.listings.errors import ListingNotEditable
from c2c_api.listings.models import Listing, ListingRevision, ListingStatus
from c2c_api.listings.revisions import (
    bump,
    check_version,
    ensure_owner,
    load_for_update,
    locked_listing,
)
from c2c_api.listings.validation import EDITABLE, LISTING_LIFETIME, apply_derived, validate_listing


async def _notify_published(session: AsyncSession, listing: Listing) -> None:
    """Saved searches are matched by the search domain."""
    from c2c_api.search import service as search_service

    await search_service.on_listing_published(session, listing)


async def publish_listing(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, expected_version: int | None
) -> Listing:
    """Publish a complete draft: it becomes visible and searchable."""
    listing = await load_for_update(session, actor, listing_id)
    ensure_owner(actor, listing)
    check_version(listing, expected_version)
    if listing.status != ListingStatus.DRAFT:
        raise InvalidState("Only a draft can be published.", context={"status": listing.status})
    now = utcnow()
    catalog = await get_taxonomy(session)
    validate_listing(listing, set(), catalog, now=now, publishing=True)
    listing.status = ListingStatus.PUBLISHED
    listing.published_at = now
    listing.expires_at = listing.ends_at or now + LISTING_LIFETIME
    apply_derived(listing)
    await bump(session, actor, listing, action="published", changed=["status"])
    await record_event(
        session,
        topic="listing.published",
        payload={"listingId": str(listing.id), "kind": listing.kind.value},
        member_id=listing.seller_id,
        partner_id=listing.partner_id,
    )
    await _notify_published(session, listing)
    return listing


async def _transition(
    session: AsyncSession,
    actor: Actor,
    *,
    listing_id: uuid.UUID,
    expected_version: int | None,
    allowed_from: frozenset[ListingStatus],
    to: ListingStatus,
    action: str,
) -> Listing:
    listing = await load_for_update(session, actor, listing_id)
    ensure_owner(actor, listing)
    check_version(listing, expected_version)
    current = ListingPolicy.effective_status(listing)
    if current not in allowed_from:
        if current not in EDITABLE:
            raise ListingNotEditable(context={"status": current.value})
        raise InvalidState(context={"status": current.value})
    listing.status = to
    if to == ListingStatus.CLOSED:
        listing.closed_at = utcnow()
    return await bump(session, actor, listing, action=action, changed=["status"])


async def pause_listing(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, expected_version: int | None
) -> Listing:
    """Hide a published listing for a while (its owner)."""
    return await _transition(
        session,
        actor,
        listing_id=listing_id,
        expected_version=expected_version,
        allowed_from=frozenset({ListingStatus.PUBLISHED}),
        to=ListingStatus.PAUSED,
        action="paused",
    )


async def resume_listing(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, expected_version: int | None
) -> Listing:
    """Show a paused listing again (its owner); it keeps its end time."""
    return await _transition(
        session,
        actor,
        listing_id=listing_id,
        expected_version=expected_version,
        allowed_from=frozenset({ListingStatus.PAUSED}),
        to=ListingStatus.PUBLISHED,
        action="resumed",
    )


async def close_listing(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, expected_version: int | None
) -> Listing:
    """End a listing for good (its owner): drafts, published and paused listings."""
    return await _transition(
        session,
        actor,
        listing_id=listing_id,
        expected_version=expected_version,
        allowed_from=EDITABLE,
        to=ListingStatus.CLOSED,
        action="closed",
    )


async def remove_listing(
    session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID, reason: str
) -> Listing:
    """Take a listing down (operators with admin:moderation, its storefront's partner)."""
    listing = await load_for_update(session, actor, listing_id, moderating=True)
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise InvalidInput("Use 1 to 500 characters.", fields=["reason"])
    if listing.status == ListingStatus.REMOVED:
        raise InvalidState("This listing is already removed.")
    previous = listing.status
    listing.status = ListingStatus.REMOVED
    return await bump(
        session,
        actor,
        listing,
        action="removed",
        changed=["status"],
        extra={
            "moderation_reason": reason,
            "status_before_removal": previous.value,
            "removed_by": "partner" if actor.kind == ActorKind.PARTNER else "operator",
        },
    )


async def restore_listing(session: AsyncSession, actor: Actor, *, listing_id: uuid.UUID) -> Listing:
    """Undo a removal: the listing returns to the status it had. Operators (admin:moderation)
    restore any removal; a storefront's partner (partner:catalog) only its own removals."""
    listing = await load_for_update(session, actor, listing_id, moderating=True)
    if listing.status != ListingStatus.REMOVED:
        raise InvalidState("This listing is not removed.")
    removal = (
        await session.exec(
            select(ListingRevision).where(
                ListingRevision.listing_id == listing.id,
                ListingRevision.version == listing.version,
            )
        )
    ).first()
    snapshot = removal.snapshot if removal else {}
    # An operator's removal is undone only by operators; a storefront's own removal by the
    # storefront or operators. Older removals lack "removed_by": the revision's actor tells.
    removed_by = snapshot.get("removed_by") or (
        "partner" if removal is not None and removal.actor_partner_id is not None else "operator"
    )
    if not ListingPolicy.can_restore(actor, listing, removed_by=removed_by):
        raise Forbidden("Only operators can restore a listing that an operator removed.")
    before = snapshot.get("status_before_removal")
    listing.status = ListingStatus(before) if before else ListingStatus.PAUSED
    return await bump(session, actor, listing, action="restored", changed=["status"])


async def expire_listing(session: AsyncSession, *, listing_id: uuid.UUID) -> bool:
    """Mark one published or paused listing EXPIRED if its end has passed (its expiry timer
    fired); True when it was expired now. Idempotent: anything else is left as it is."""
    listing = await locked_listing(session, listing_id)
    now = utcnow()
    if listing is None or listing.status not in ENDING_STATUSES:
        return False
    if ListingPolicy.effective_status(listing, now) != ListingStatus.EXPIRED:
        return False
    listing.status = ListingStatus.EXPIRED
    listing.closed_at = now
    await bump(session, None, listing, action="expired", changed=["status"])
    return True


async def expire_due_listings(session: AsyncSession, now: datetime, *, limit: int = 500) -> int:
    """Mark published and paused listings past their end as EXPIRED, in bulk (`c2c-api listings
    expire`: a catch-up sweep; the worker's expiry timers do it one by one); the number expired.
    Reads already treat them as expired (effective_status)."""
    due = (
        await session.exec(
            select(Listing)
            .where(
                col(Listing.status).in_([s.value for s in ENDING_STATUSES]),
                sa.or_(col(Listing.ends_at) <= now, col(Listing.expires_at) <= now),
            )
            .order_by(col(Listing.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for listing in due:
        listing.status = ListingStatus.EXPIRED
        listing.closed_at = now
        await bump(session, None, listing, action="expired", changed=["status"])
    return len(due)
