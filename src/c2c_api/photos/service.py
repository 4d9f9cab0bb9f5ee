"""Photo use cases: upload (process, store, record), attach to a listing, read, collect orphans.

Storage and database are kept consistent without a distributed transaction:

- renditions are written first; if storage fails, no row is written (nothing to clean);
- the row is written in the caller's transaction; if it fails (or the transaction later rolls
  back, see `upload_photo`'s caller), the renditions are deleted again;
- photos never attached to a listing are collected after a day (`delete_orphan_photos`), which
  also covers a process that died between storing and committing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ListingPolicy, require_member
from c2c_api.config import get_settings
from c2c_api.db import Database, after_rollback
from c2c_api.errors import Conflict, ErrorCode, InvalidInput, NotFound
from c2c_api.kit.clock import utcnow
from c2c_api.listings.models import Listing
from c2c_api.photos.errors import PhotoRefused, PhotoStorageUnavailable, StorageUnavailable
from c2c_api.photos.images import PhotoLimits, ProcessedPhoto, process_upload_async
from c2c_api.photos.models import Photo
from c2c_api.photos.storage import PhotoStorage, delete_renditions, save_renditions

log = logging.getLogger("c2c_api.photos")

ORPHAN_AFTER = timedelta(hours=24)
"""Photos not attached to a listing for this long may be collected (`photos gc`)."""


class TooManyPhotos(InvalidInput):
    """A listing has too many photos."""

    code = ErrorCode.TOO_MANY_PHOTOS


class PhotoAttachedElsewhere(Conflict):
    """This photo belongs to another listing."""

    code = ErrorCode.PHOTO_ATTACHED_ELSEWHERE


class PhotoNotFound(NotFound):
    """This photo does not exist or is not yours."""

    code = ErrorCode.PHOTO_NOT_FOUND


async def upload_photo(
    session: AsyncSession,
    actor: Actor,
    *,
    data: bytes,
    storage: PhotoStorage,
    limits: PhotoLimits,
) -> Photo:
    """Check and resize an upload (in a thread), store its renditions, record the Photo row.

    Raises a PhotoRefused subclass for a bad file and PhotoStorageUnavailable when storage fails;
    either way nothing is left behind. Call it in a `Database.transaction()` that has not yet
    touched the database: the renditions are written before any SQL, and deleted after the
    rollback when the transaction does not commit.
    """
    owner_id = require_member(actor)
    try:
        processed = await process_upload_async(data, limits=limits)
    except PhotoRefused as exc:
        exc.fields = exc.fields or ["file"]
        raise
    photo_id = uuid.uuid4()
    try:
        keys = await save_renditions(storage, photo_id, processed)
    except StorageUnavailable as exc:
        log.error("photo storage failed: %s", exc)
        raise PhotoStorageUnavailable() from exc
    # Stored before the transaction begins (no database work above); deleted after the
    # rollback if the row is not committed, never with the transaction open.
    after_rollback(session, lambda: discard_renditions(storage, photo_id))
    photo = _photo_row(photo_id, owner_id, processed, keys)
    session.add(photo)
    await session.flush()
    return photo


def _photo_row(
    photo_id: uuid.UUID, owner_id: uuid.UUID, processed: ProcessedPhoto, keys: dict[str, str]
) -> Photo:
    return Photo(
        id=photo_id,
        owner_id=owner_id,
        width=processed.width,
        height=processed.height,
        byte_size=processed.byte_size,
        sha256=processed.sha256,
        renditions=dict(keys),
        created_at=utcnow(),
    )


async def discard_renditions(storage: PhotoStorage, photo_id: uuid.UUID) -> None:
    """Delete a photo's renditions, logging (not raising) a storage failure."""
    try:
        await delete_renditions(storage, photo_id)
    except StorageUnavailable:
        log.warning("could not delete the renditions of photo %s", photo_id, exc_info=True)


async def get_photos(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Photo]:
    """Photos by id (no visibility rule: callers decide)."""
    if not ids:
        return {}
    rows = await session.exec(select(Photo).where(col(Photo.id).in_(list(ids))))
    return {p.id: p for p in rows}


async def photos_of_listings(
    session: AsyncSession, listing_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Photo]]:
    """The photos of several listings in one statement, each list in display order."""
    if not listing_ids:
        return {}
    rows = await session.exec(
        select(Photo)
        .where(col(Photo.listing_id).in_(list(listing_ids)))
        .order_by(col(Photo.listing_id), col(Photo.position), col(Photo.id))
    )
    out: dict[uuid.UUID, list[Photo]] = {}
    for photo in rows:
        assert photo.listing_id is not None
        out.setdefault(photo.listing_id, []).append(photo)
    return out


async def _lock_photos(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Photo]:
    """Photos by id, row-locked until the transaction ends (SELECT … FOR UPDATE, in id order so
    that two edits never wait on each other), re-read even if the session already holds them.

    Two edits attaching the same photo to two listings lock different listings: without this
    lock both read the photo as free and both succeed (the last one silently taking it). With
    it, the second waits for the first to commit, then reads the photo as attached elsewhere.
    SQLite serialises writing transactions, so there the lock clause is simply not emitted.
    """
    if not ids:
        return {}
    rows = await session.exec(
        select(Photo)
        .where(col(Photo.id).in_(list(ids)))
        .order_by(col(Photo.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {p.id: p for p in rows}


async def attach_photos(
    session: AsyncSession,
    actor: Actor,
    *,
    listing_id: uuid.UUID,
    photo_ids: Sequence[uuid.UUID],
    max_photos: int | None = None,
) -> list[Photo]:
    """Make `photo_ids`, in this order, the photos of a listing; detach the others.

    Every photo must belong to the listing's seller (the uploader is the owner) and not to
    another listing. At most `max_photos` (default: C2C_PHOTO_MAX_PER_LISTING, 20). The photos
    are row-locked: of two edits attaching the same photo at once, one wins and the other gets
    PHOTO_ATTACHED_ELSEWHERE.
    """
    limit = max_photos if max_photos is not None else get_settings().photo_max_per_listing
    listing = await session.get(Listing, listing_id)
    if listing is None or not ListingPolicy.can_manage_photos(actor, listing):
        raise NotFound("This listing does not exist.", fields=["listingId"])
    wanted = list(photo_ids)
    if len(set(wanted)) != len(wanted):
        raise InvalidInput("A photo is listed twice.", fields=["photoIds"])
    if len(wanted) > limit:
        raise TooManyPhotos(fields=["photoIds"], context={"max": limit})
    found = await _lock_photos(session, wanted)
    for index, photo_id in enumerate(wanted):
        photo = found.get(photo_id)
        if photo is None or photo.owner_id != listing.seller_id:
            raise PhotoNotFound(fields=[f"photoIds.{index}"])
        if photo.listing_id is not None and photo.listing_id != listing_id:
            raise PhotoAttachedElsewhere(fields=[f"photoIds.{index}"])
    # Detach what is no longer wanted (kept for a day, then collected as an orphan).
    detach = sa.update(Photo).where(col(Photo.listing_id) == listing_id)
    if wanted:
        detach = detach.where(col(Photo.id).not_in(wanted))
    await session.exec(detach.values(listing_id=None, position=0))
    ordered: list[Photo] = []
    for position, photo_id in enumerate(wanted):
        photo = found[photo_id]
        photo.listing_id = listing_id
        photo.position = position
        session.add(photo)
        ordered.append(photo)
    await session.flush()
    return ordered


async def delete_orphan_photos(
    db: Database,
    storage: PhotoStorage,
    *,
    older_than: timedelta = ORPHAN_AFTER,
    now: datetime | None = None,
    batch_size: int = 200,
) -> int:
    """Delete photos attached to no listing and created before `now - older_than`.

    Rows are deleted first (committed), then their renditions; a storage failure leaves files
    behind (logged), never a row pointing at nothing. Returns how many photos were deleted.
    """
    cutoff = (now or utcnow()) - older_than
    deleted = 0
    while True:
        async with db.transaction() as session:
            rows = list(
                await session.exec(
                    select(Photo.id)
                    .where(col(Photo.listing_id).is_(None), col(Photo.created_at) < cutoff)
                    .order_by(col(Photo.created_at))
                    .limit(batch_size)
                )
            )
            if not rows:
                return deleted
            # Only the rows actually deleted lose their files: a photo attached meanwhile (its
            # attach committed while this DELETE waited on the row) is skipped by the re-checked
            # condition and must keep its renditions.
            gone = list(
                await session.exec(
                    sa.delete(Photo)
                    .where(col(Photo.id).in_(rows), col(Photo.listing_id).is_(None))
                    .returning(col(Photo.id))
                )
            )
        for (photo_id,) in gone:
            await discard_renditions(storage, photo_id)
        deleted += len(gone)
        if len(rows) < batch_size:
            return deleted


__all__ = [
    "ORPHAN_AFTER",
    "PhotoAttachedElsewhere",
    "PhotoNotFound",
    "PhotoStorageUnavailable",
    "TooManyPhotos",
    "attach_photos",
    "delete_orphan_photos",
    "discard_renditions",
    "get_photos",
    "photos_of_listings",
    "upload_photo",
]
