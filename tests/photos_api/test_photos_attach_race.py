"""Two edits attach the same uploaded photo to two listings at once: exactly one wins. A photo
attached while the orphan collector runs keeps its row and its files.

PostgreSQL only (READ COMMITTED, concurrent writers on separate connections); SQLite
serialises write transactions, so there is nothing to interleave. Each edit is the real
`update_listing` use case in its own transaction, as two GraphQL requests would run it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from auth_factories import create_member
from c2c_api.authz import Actor
from c2c_api.db import Database
from c2c_api.errors import DomainError
from c2c_api.kit.clock import clock, utcnow
from c2c_api.listings import service
from c2c_api.listings.models import Listing, ListingRevision
from c2c_api.photos import RENDITION_SIZES, LocalStorage, PhotoLimits
from c2c_api.photos.models import Photo
from c2c_api.photos.service import attach_photos, delete_orphan_photos, upload_photo
from engagement_support import gps_jpeg, publish_through_service
from factories import member_actor


async def arrange(db: Database) -> tuple[Listing, Listing, uuid.UUID, Actor]:
    seller = await create_member(db)
    first = await publish_through_service(db, seller, title="First bag")
    second = await publish_through_service(db, seller, title="Second bag")
    async with db.transaction() as session:
        photo = Photo(
            owner_id=seller.id,
            width=1,
            height=1,
            byte_size=1,
            sha256="0" * 64,
            renditions={name: f"k/{name}" for name, _ in RENDITION_SIZES},
        )
        session.add(photo)
        await session.flush()
        photo_id = photo.id
    return first, second, photo_id, member_actor(seller, "listings:write")


async def attach(
    db: Database,
    actor: Actor,
    listing: Listing,
    photo_id: uuid.UUID,
    *,
    before_commit: asyncio.Event | None = None,
    started: asyncio.Event | None = None,
) -> str:
    """updateListing(photoIds: [photo]) in its own transaction; the outcome's code."""
    try:
        async with db.transaction() as session:
            if started is not None:
                started.set()
            await service.update_listing(
                session,
                actor,
                listing_id=listing.id,
                expected_version=None,
                values={},
                photo_ids=[photo_id],
            )
            if before_commit is not None:
                await before_commit.wait()
        return "OK"
    except DomainError as exc:
        return exc.code.value


async def outcome(db: Database, photo_id: uuid.UUID, listings: list[Listing]) -> dict[str, object]:
    async with db.transaction() as session:
        photo = await session.get(Photo, photo_id)
        assert photo is not None
        revised = (
            await session.exec(
                select(ListingRevision).where(
                    col(ListingRevision.listing_id).in_([x.id for x in listings]),
                    col(ListingRevision.action) == "updated",
                )
            )
        ).all()
        return {"attached_to": photo.listing_id, "revised": [r.listing_id for r in revised]}


class TestAttachSamePhotoConcurrently:
    async def test_the_second_waits_for_the_first_and_is_refused(self, db: Database) -> None:
        if db.settings.is_sqlite:
            pytest.skip("SQLite serialises write transactions: no interleaving to test")
        first, second, photo_id, actor = await arrange(db)
        release = asyncio.Event()
        second_started = asyncio.Event()
        # The first edit attaches the photo and holds its transaction open...
        a = asyncio.create_task(attach(db, actor, first, photo_id, before_commit=release))
        await asyncio.sleep(0.3)
        # ...while the second edit runs against the same photo; then the first commits.
        b = asyncio.create_task(attach(db, actor, second, photo_id, started=second_started))
        await second_started.wait()
        await asyncio.sleep(0.5)  # the second reaches the photo row (and blocks on it if locked)
        release.set()
        results = await asyncio.wait_for(asyncio.gather(a, b), timeout=30)
        assert results == ["OK", "PHOTO_ATTACHED_ELSEWHERE"]
        state = await outcome(db, photo_id, [first, second])
        assert state == {"attached_to": first.id, "revised": [first.id]}

    async def test_started_together_exactly_one_wins(self, db: Database) -> None:
        if db.settings.is_sqlite:
            pytest.skip("SQLite serialises write transactions: no interleaving to test")
        for _ in range(5):
            first, second, photo_id, actor = await arrange(db)
            results = await asyncio.wait_for(
                asyncio.gather(
                    attach(db, actor, first, photo_id), attach(db, actor, second, photo_id)
                ),
                timeout=30,
            )
            assert sorted(results) == ["OK", "PHOTO_ATTACHED_ELSEWHERE"], results
            winner = first if results[0] == "OK" else second
            state = await outcome(db, photo_id, [first, second])
            assert state == {"attached_to": winner.id, "revised": [winner.id]}


class TestAttachWhileCollectingOrphans:
    async def test_a_photo_attached_meanwhile_keeps_its_row_and_files(
        self, db: Database, tmp_path: Path
    ) -> None:
        if db.settings.is_sqlite:
            pytest.skip("SQLite serialises write transactions: no interleaving to test")
        storage = LocalStorage(tmp_path / "media", public_url="http://127.0.0.1:8000/media")
        first, _, orphan_id, actor = await arrange(db)
        clock.freeze(utcnow())
        async with db.transaction() as session:
            photo = await upload_photo(
                session, actor, data=gps_jpeg((64, 48)), storage=storage, limits=PhotoLimits()
            )
        clock.advance(timedelta(hours=25))  # an orphan old enough to be collected
        release = asyncio.Event()

        async def attach_and_hold() -> None:
            async with db.transaction() as session:
                await attach_photos(session, actor, listing_id=first.id, photo_ids=[photo.id])
                await release.wait()

        attaching = asyncio.create_task(attach_and_hold())
        await asyncio.sleep(0.3)
        # The collector reads the photo as an orphan (the attach is not committed), then its
        # DELETE waits on the row; the attach commits; the DELETE's condition no longer holds.
        collecting = asyncio.create_task(delete_orphan_photos(db, storage))
        await asyncio.sleep(0.5)
        release.set()
        await asyncio.wait_for(attaching, timeout=30)
        # The true orphan of `arrange` is collected; the photo attached meanwhile is not.
        assert await asyncio.wait_for(collecting, timeout=30) == 1
        async with db.transaction() as session:
            assert await session.get(Photo, orphan_id) is None
            row = await session.get(Photo, photo.id)
            assert row is not None and row.listing_id == first.id
        for key in photo.renditions.values():
            assert await storage.exists(key), key
