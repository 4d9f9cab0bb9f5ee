"""attach_photos (order, ownership, limits) and the collection of orphan photos."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from auth_factories import create_member
from c2c_api.authz import Actor, ActorKind
from c2c_api.db import Database
from c2c_api.errors import DomainError
from c2c_api.kit.clock import clock, utcnow
from c2c_api.photos import LocalStorage, PhotoLimits
from c2c_api.photos.models import Photo
from c2c_api.photos.service import attach_photos, delete_orphan_photos, upload_photo
from c2c_api.users.models import Member
from engagement_support import create_listing, gps_jpeg


def member_actor(member: Member) -> Actor:
    return Actor(kind=ActorKind.MEMBER, member_id=member.id, scopes=frozenset({"listings:write"}))


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "media", public_url="http://127.0.0.1:8000/media")


_JPEG = gps_jpeg((64, 48))


async def upload(db: Database, member: Member, storage: LocalStorage) -> Photo:
    async with db.transaction() as session:
        return await upload_photo(
            session, member_actor(member), data=_JPEG, storage=storage, limits=PhotoLimits()
        )


async def listing_photo_ids(db: Database, listing_id: uuid.UUID) -> list[uuid.UUID]:
    async with db.sessionmaker() as session:
        rows = await session.exec(
            select(Photo.id).where(Photo.listing_id == listing_id).order_by(col(Photo.position))
        )
        return list(rows)


async def attach(
    db: Database, actor: Actor, listing_id: uuid.UUID, ids: list[uuid.UUID], **kw: int
) -> None:
    async with db.transaction() as session:
        await attach_photos(session, actor, listing_id=listing_id, photo_ids=ids, **kw)


async def refusal(
    db: Database, actor: Actor, listing_id: uuid.UUID, ids: list[uuid.UUID], **kw: int
) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await attach(db, actor, listing_id, ids, **kw)
    return caught.value


class TestAttachPhotos:
    async def test_keeps_the_given_order_and_detaches_the_rest(
        self, db: Database, storage: LocalStorage
    ) -> None:
        seller = await create_member(db)
        listing = await create_listing(db, seller)
        a, b, c = [await upload(db, seller, storage) for _ in range(3)]
        await attach(db, member_actor(seller), listing.id, [c.id, a.id, b.id])
        assert await listing_photo_ids(db, listing.id) == [c.id, a.id, b.id]
        await attach(db, member_actor(seller), listing.id, [b.id, c.id])
        assert await listing_photo_ids(db, listing.id) == [b.id, c.id]
        async with db.sessionmaker() as session:
            assert (await session.get(Photo, a.id)).listing_id is None  # type: ignore[union-attr]

    async def test_refuses_photos_of_another_member(
        self, db: Database, storage: LocalStorage
    ) -> None:
        seller, other = await create_member(db), await create_member(db)
        listing = await create_listing(db, seller)
        theirs = await upload(db, other, storage)
        error = await refusal(db, member_actor(seller), listing.id, [theirs.id])
        assert error.code == "PHOTO_NOT_FOUND"
        assert error.fields == ["photoIds.0"]

    async def test_refuses_photos_of_another_listing(
        self, db: Database, storage: LocalStorage
    ) -> None:
        seller = await create_member(db)
        first, second = await create_listing(db, seller), await create_listing(db, seller)
        photo = await upload(db, seller, storage)
        await attach(db, member_actor(seller), first.id, [photo.id])
        error = await refusal(db, member_actor(seller), second.id, [photo.id])
        assert error.code == "PHOTO_ATTACHED_ELSEWHERE"
        assert await listing_photo_ids(db, first.id) == [photo.id]

    async def test_refuses_more_photos_than_allowed(
        self, db: Database, storage: LocalStorage
    ) -> None:
        seller = await create_member(db)
        listing = await create_listing(db, seller)
        photos = [await upload(db, seller, storage) for _ in range(3)]
        error = await refusal(
            db, member_actor(seller), listing.id, [p.id for p in photos], max_photos=2
        )
        assert error.code == "TOO_MANY_PHOTOS"
        assert await listing_photo_ids(db, listing.id) == []

    async def test_refuses_duplicates(self, db: Database, storage: LocalStorage) -> None:
        seller = await create_member(db)
        listing = await create_listing(db, seller)
        photo = await upload(db, seller, storage)
        error = await refusal(db, member_actor(seller), listing.id, [photo.id, photo.id])
        assert error.code == "INVALID_INPUT"

    async def test_refuses_someone_else_than_the_seller(
        self, db: Database, storage: LocalStorage
    ) -> None:
        seller, other = await create_member(db), await create_member(db)
        listing = await create_listing(db, seller)
        photo = await upload(db, seller, storage)
        error = await refusal(db, member_actor(other), listing.id, [photo.id])
        assert error.code == "NOT_FOUND"


class TestDeleteOrphanPhotos:
    async def test_deletes_unattached_photos_older_than_a_day_with_their_files(
        self, db: Database, storage: LocalStorage
    ) -> None:
        seller = await create_member(db)
        listing = await create_listing(db, seller)
        clock.freeze(utcnow())
        old_orphan = await upload(db, seller, storage)
        old_attached = await upload(db, seller, storage)
        await attach(db, member_actor(seller), listing.id, [old_attached.id])
        clock.advance(timedelta(hours=23))
        young_orphan = await upload(db, seller, storage)
        clock.advance(timedelta(hours=2))
        assert await delete_orphan_photos(db, storage) == 1
        async with db.sessionmaker() as session:
            left = set(await session.exec(select(Photo.id)))
        assert left == {old_attached.id, young_orphan.id}
        for key in old_orphan.renditions.values():
            assert not await storage.exists(key)
        for key in young_orphan.renditions.values():
            assert await storage.exists(key)

    def test_the_cli_command_runs(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from c2c_api.cli import main

        monkeypatch.setenv("C2C_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/gc.db")
        monkeypatch.setenv("C2C_STORAGE_LOCAL_PATH", str(tmp_path / "media"))
        runner = CliRunner()
        assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
        result = runner.invoke(main, ["photos", "gc", "--older-than-hours", "1"])
        assert result.exit_code == 0, result.output
        assert "deleted 0 orphan photo(s)" in result.output
