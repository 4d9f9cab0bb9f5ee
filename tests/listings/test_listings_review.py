"""Fixes from the issue-3 review: naive end times, who may restore a removal, end-time edits
on live listings, photo changes in the history, the expiry command."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from listings_support import CREATE, NODE, UPDATE, gql, lifecycle, seed_categories, valid_input
from strawberry.relay import GlobalID

from auth_factories import create_member_with_token, create_partner, partner_token
from c2c_api.db import Database
from c2c_api.kit.clock import clock, utcnow
from c2c_api.listings import service
from c2c_api.listings.cli import expire_listings
from c2c_api.listings.models import Listing, ListingStatus
from c2c_api.photos import RENDITION_SIZES
from c2c_api.photos.models import Photo

NAIVE_MESSAGE = "endsAt must carry a UTC offset (for example 2026-12-01T18:00:00Z)."


async def _create(client: httpx.AsyncClient, token: str, inp: dict) -> dict:
    return (await gql(client, CREATE, {"i": inp}, token=token))["createListing"]  # type: ignore[no-any-return]


class TestNaiveEndTimes:
    async def test_create_auction_with_naive_end_is_refused(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        inp = valid_input("AUCTION")
        inp["auction"]["endsAt"] = (utcnow() + timedelta(days=3)).replace(tzinfo=None).isoformat()
        result = await _create(client, seller, inp)
        assert result["__typename"] == "UserError", result
        assert result["code"] == "INVALID_INPUT"
        assert result["fields"] == ["auction.endsAt"]
        assert result["message"] == NAIVE_MESSAGE

    async def test_create_group_buy_with_naive_end_is_refused(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        inp = valid_input("GROUP_BUY")
        inp["groupBuy"]["endsAt"] = "2099-01-01T00:00:00"
        result = await _create(client, seller, inp)
        assert result["code"] == "INVALID_INPUT", result
        assert result["fields"] == ["groupBuy.endsAt"]

    async def test_update_with_naive_end_is_refused_and_offsets_are_accepted(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        created = await _create(client, seller, valid_input("AUCTION"))
        gid = created["listing"]["id"]
        naive = (utcnow() + timedelta(days=2)).replace(tzinfo=None).isoformat()
        result = (
            await gql(
                client,
                UPDATE,
                {"id": gid, "v": 1, "i": {"auction": {"endsAt": naive}}},
                token=seller,
            )
        )["updateListing"]
        assert result["code"] == "INVALID_INPUT", result
        assert result["fields"] == ["auction.endsAt"]
        offset = (
            (utcnow() + timedelta(days=2))
            .replace(microsecond=0)
            .astimezone(timezone(timedelta(hours=5)))
        )
        result = (
            await gql(
                client,
                UPDATE,
                {"id": gid, "v": 1, "i": {"auction": {"endsAt": offset.isoformat()}}},
                token=seller,
            )
        )["updateListing"]
        assert result["__typename"] == "ListingSuccess", result
        assert result["listing"]["version"] == 2


async def _do(client: httpx.AsyncClient, name: str, gid: str, token: str, **extra: str) -> dict:
    variables = {"id": gid, **({"r": extra["reason"]} if "reason" in extra else {})}
    return (await gql(client, lifecycle(name), variables, token=token))[name]  # type: ignore[no-any-return]


class TestRestoreAfterRemoval:
    async def test_storefront_cannot_restore_an_operator_removal(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        shop = await create_partner(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"], partner=shop)
        _, operator = await create_member_with_token(db, scopes=["admin:moderation"], operator=True)
        _, shop_token = await partner_token(db, scopes=["partner:catalog"], partner=shop)
        gid = (await _create(client, seller, valid_input("SALE")))["listing"]["id"]
        await _do(client, "publishListing", gid, seller)
        removed = await _do(client, "removeListing", gid, operator, reason="illegal goods")
        assert removed["listing"]["status"] == "REMOVED"
        refused = await _do(client, "restoreListing", gid, shop_token)
        assert refused["code"] == "FORBIDDEN", refused
        assert (await gql(client, NODE, {"id": gid}))["node"] is None
        restored = await _do(client, "restoreListing", gid, operator)
        assert restored["listing"]["status"] == "PUBLISHED", restored

    async def test_storefront_and_operators_restore_a_storefront_removal(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        shop = await create_partner(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"], partner=shop)
        _, operator = await create_member_with_token(db, scopes=["admin:moderation"], operator=True)
        _, shop_token = await partner_token(db, scopes=["partner:catalog"], partner=shop)
        gid = (await _create(client, seller, valid_input("SALE")))["listing"]["id"]
        await _do(client, "publishListing", gid, seller)
        await _do(client, "removeListing", gid, shop_token, reason="out of stock")
        assert (await _do(client, "restoreListing", gid, shop_token))["listing"][
            "status"
        ] == "PUBLISHED"
        await _do(client, "removeListing", gid, shop_token, reason="again")
        assert (await _do(client, "restoreListing", gid, operator))["listing"][
            "status"
        ] == "PUBLISHED"


STATUS = "query($id: ID!) { node(id: $id) { ... on Listing { status expiresAt } } }"


class TestEndTimeEditOnLiveListings:
    async def test_moving_the_end_of_a_published_auction_moves_its_expiry(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        inp = valid_input("AUCTION")
        inp["auction"]["endsAt"] = (utcnow() + timedelta(days=1)).isoformat()
        gid = (await _create(client, seller, inp))["listing"]["id"]
        await _do(client, "publishListing", gid, seller)
        new_end = (utcnow() + timedelta(days=10)).replace(microsecond=0)
        edit = (
            await gql(
                client,
                UPDATE,
                {"id": gid, "v": 2, "i": {"auction": {"endsAt": new_end.isoformat()}}},
                token=seller,
            )
        )["updateListing"]
        assert edit["__typename"] == "ListingSuccess", edit
        clock.freeze(utcnow() + timedelta(days=2))
        node = (await gql(client, STATUS, {"id": gid}))["node"]
        assert node["status"] == "PUBLISHED"
        assert datetime.fromisoformat(node["expiresAt"]) == new_end
        async with db.transaction() as session:
            assert await service.expire_due_listings(session, utcnow()) == 0

    async def test_moving_the_end_of_a_paused_group_buy_moves_its_expiry(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        gid = (await _create(client, seller, valid_input("GROUP_BUY")))["listing"]["id"]
        await _do(client, "publishListing", gid, seller)
        await _do(client, "pauseListing", gid, seller)
        sooner = (utcnow() + timedelta(days=2)).replace(microsecond=0)
        edit = (
            await gql(
                client,
                UPDATE,
                {"id": gid, "v": 3, "i": {"groupBuy": {"endsAt": sooner.isoformat()}}},
                token=seller,
            )
        )["updateListing"]
        assert edit["__typename"] == "ListingSuccess", edit
        node = (await gql(client, STATUS, {"id": gid}, token=seller))["node"]
        assert datetime.fromisoformat(node["expiresAt"]) == sooner
        clock.freeze(utcnow() + timedelta(days=3))
        # EXPIRED is public (the seller's token has expired by then).
        assert (await gql(client, STATUS, {"id": gid}))["node"]["status"] == "EXPIRED"


HISTORY = (
    "query($id: ID!) { node(id: $id) { ... on Listing { version"
    " history { version action changedFields snapshot } } } }"
)


async def _photos(db: Database, owner_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    async with db.transaction() as session:
        photos = [
            Photo(
                owner_id=owner_id,
                width=1,
                height=1,
                byte_size=1,
                sha256="0" * 64,
                renditions={name: f"k/{i}/{name}" for name, _ in RENDITION_SIZES},
            )
            for i in range(count)
        ]
        session.add_all(photos)
        await session.flush()
        return [p.id for p in photos]


class TestPhotoChangesInHistory:
    async def test_update_photos_writes_a_revision_and_bumps_version(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        member, seller = await create_member_with_token(db, scopes=["listings:write"])
        first, second = await _photos(db, member.id, 2)
        gids = {p: str(GlobalID("Photo", str(p))) for p in (first, second)}
        gid = (await _create(client, seller, valid_input("SALE")))["listing"]["id"]
        edit = (
            await gql(
                client,
                UPDATE,
                {"id": gid, "v": 1, "i": {"photoIds": [gids[second], gids[first]]}},
                token=seller,
            )
        )["updateListing"]
        assert edit["__typename"] == "ListingSuccess", edit
        assert edit["listing"]["version"] == 2
        node = (await gql(client, HISTORY, {"id": gid}, token=seller))["node"]
        latest = node["history"][0]
        assert latest["version"] == 2
        assert latest["action"] == "updated"
        assert latest["changedFields"] == ["photos"]
        assert latest["snapshot"]["photos"] == [str(second), str(first)]
        # Reordering is a change; the same order again is not.
        edit = (
            await gql(
                client,
                UPDATE,
                {"id": gid, "v": 2, "i": {"photoIds": [gids[first], gids[second]]}},
                token=seller,
            )
        )["updateListing"]
        assert edit["listing"]["version"] == 3
        same = (
            await gql(
                client,
                UPDATE,
                {"id": gid, "v": 3, "i": {"photoIds": [gids[first], gids[second]]}},
                token=seller,
            )
        )["updateListing"]
        assert same["listing"]["version"] == 3
        node = (await gql(client, HISTORY, {"id": gid}, token=seller))["node"]
        assert [r["version"] for r in node["history"]] == [3, 2, 1]
        assert node["history"][0]["snapshot"]["photos"] == [str(first), str(second)]

    async def test_photos_given_at_creation_are_in_the_first_revision(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        member, seller = await create_member_with_token(db, scopes=["listings:write"])
        (photo,) = await _photos(db, member.id, 1)
        inp = {**valid_input("SALE"), "photoIds": [str(GlobalID("Photo", str(photo)))]}
        gid = (await _create(client, seller, inp))["listing"]["id"]
        node = (await gql(client, HISTORY, {"id": gid}, token=seller))["node"]
        assert node["history"][0]["snapshot"]["photos"] == [str(photo)]
        assert "photos" in node["history"][0]["changedFields"]


class TestExpireCommand:
    async def test_expire_listings_marks_every_overdue_listing_in_batches(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, seller = await create_member_with_token(db, scopes=["listings:write"])
        gids = []
        for kind in ("AUCTION", "GROUP_BUY", "SALE"):
            gid = (await _create(client, seller, valid_input(kind)))["listing"]["id"]
            await _do(client, "publishListing", gid, seller)
            gids.append(gid)
        # Auctions and group buys end within 7 days; the sale lasts 90.
        later = utcnow() + timedelta(days=8)
        assert await expire_listings(db, now=later, batch_size=1) == 2
        assert await expire_listings(db, now=later, batch_size=1) == 0
        async with db.sessionmaker() as session:
            statuses = dict(
                (await session.exec(sa.select(Listing.kind, Listing.status))).all()  # type: ignore[call-overload]
            )
        assert statuses == {
            "AUCTION": ListingStatus.EXPIRED,
            "GROUP_BUY": ListingStatus.EXPIRED,
            "SALE": ListingStatus.PUBLISHED,
        }

    def test_the_cli_command_runs(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from c2c_api.cli import main

        monkeypatch.setenv("C2C_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/expire.db")
        runner = CliRunner()
        assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
        result = runner.invoke(main, ["listings", "expire"])
        assert result.exit_code == 0, result.output
        assert "expired 0 listing(s)" in result.output
