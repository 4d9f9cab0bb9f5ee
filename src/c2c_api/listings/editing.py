"""Creating and editing listings (fields and photos)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api import authz
from c2c_api.authz import ENDING_STATUSES, Actor, ListingPolicy
from c2c_api.categories.service import get_taxonomy
from c2c_api.categories.taxonomy import ListingKind
from c2c_api.errors import Forbidden, InvalidInput, NotFound
from c2c_api.kit.clock import utcnow
from c2c_api.listings.errors import ListingNotEditable
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.listings.revisions import (
    bump,
    check_version,
    ensure_owner,
    load_for_update,
    record_revision,
)
from c2c_api.listings.validation import (
    EDITABLE,
    apply_derived,
    check_columns,
    field_name,
    snapshot_of,
    validate_listing,
)
from c2c_api.users.models import Member


async def _attach_photos(
    session: AsyncSession, actor: Actor, listing: Listing, photo_ids: Sequence[uuid.UUID] | None
) -> None:
    if photo_ids is None:
        return
    from c2c_api.photos.service import attach_photos

    await attach_photos(session, actor, listing_id=listing.id, photo_ids=list(photo_ids))


async def _current_photo_ids(session: AsyncSession, listing_id: uuid.UUID) -> list[str]:
    """The listing's photo ids in display order (as recorded in revision snapshots)."""
    from c2c_api.photos.models import Photo

    rows = await session.exec(
        select(Photo.id)
        .where(Photo.listing_id == listing_id)
        .order_by(col(Photo.position), col(Photo.id))
    )
    return [str(photo_id) for photo_id in rows]


async def create_listing(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: ListingKind,
    values: Mapping[str, Any],
    details: Mapping[ListingKind, Mapping[str, Any]] | None = None,
    photo_ids: Sequence[uuid.UUID] | None = None,
) -> Listing:
    """Create a draft listing of `kind` for the calling member (listings:write).

    `values` holds columns; `details` the columns of each kind's sub-input (only `kind`'s may
    be given). Every refusal is a typed DomainError naming the input fields, and nothing is
    written.
    """
    member_id = authz.require_member(actor)
    if not ListingPolicy.can_create(actor):
        raise Forbidden()
    columns = check_columns(kind, values, details)
    missing = [field_name(kind, c) for c in ("title", "category_slug") if c not in columns]
    if missing:
        raise InvalidInput("Some fields are required.", fields=missing)
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFound()
    catalog = await get_taxonomy(session)
    now = utcnow()
    listing = Listing(
        kind=kind,
        seller_id=member_id,
        partner_id=member.partner_id,
        title="",
        category_slug="",
        created_at=now,
        updated_at=now,
    )
    for column, value in columns.items():
        setattr(listing, column, value)
    validate_listing(listing, set(columns) | {"category_slug"}, catalog, now=now, publishing=False)
    apply_derived(listing)
    session.add(listing)
    await session.flush()
    await _attach_photos(session, actor, listing, photo_ids)
    changed_on_create = set(columns)
    extra = None
    if photo_ids:
        changed_on_create.add("photos")
        extra = {"photos": await _current_photo_ids(session, listing.id)}
    await record_revision(
        session, actor, listing, action="created", changed=changed_on_create, extra=extra
    )
    return listing


async def update_listing(
    session: AsyncSession,
    actor: Actor,
    *,
    listing_id: uuid.UUID,
    expected_version: int | None,
    values: Mapping[str, Any],
    details: Mapping[ListingKind, Mapping[str, Any]] | None = None,
    photo_ids: Sequence[uuid.UUID] | None = None,
) -> Listing:
    """Change some fields of the caller's listing (draft, published or paused).

    The listing as it would become is validated on a detached copy first: a refused edit
    leaves the row untouched (nothing to flush, whatever the database enforces).
    """
    listing = await load_for_update(session, actor, listing_id)
    ensure_owner(actor, listing)
    check_version(listing, expected_version)
    kind = ListingKind(listing.kind)
    if ListingPolicy.effective_status(listing) not in EDITABLE:
        raise ListingNotEditable(context={"status": ListingPolicy.effective_status(listing).value})
    columns = check_columns(kind, values, details)
    catalog = await get_taxonomy(session)
    before = snapshot_of(listing)
    candidate = Listing.model_validate(listing.model_dump())
    for column, value in columns.items():
        setattr(candidate, column, value)
    changed = {c for c in columns if before.get(c) != snapshot_of(candidate).get(c)}
    if not changed and photo_ids is None:
        return listing
    publishing = listing.status != ListingStatus.DRAFT
    validate_listing(candidate, changed, catalog, now=utcnow(), publishing=publishing)
    # Valid: now write, with the values as validation normalised them (attributes).
    for column in changed:
        setattr(listing, column, getattr(candidate, column))
    if candidate.attributes != listing.attributes:
        listing.attributes = candidate.attributes
    apply_derived(listing)
    if "ends_at" in changed and listing.status in ENDING_STATUSES and listing.ends_at:
        # A live auction or group buy ends at its (new) end time, as publish_listing set it.
        listing.expires_at = listing.ends_at
    extra = None
    if photo_ids is not None:
        # Photo changes are edits too: one revision (changed field "photos", the ordered ids).
        photos_before = await _current_photo_ids(session, listing.id)
        await _attach_photos(session, actor, listing, photo_ids)
        photos_after = await _current_photo_ids(session, listing.id)
        if photos_after != photos_before:
            changed.add("photos")
            extra = {"photos": photos_after}
    if changed:
        await bump(session, actor, listing, action="updated", changed=changed, extra=extra)
    return listing
