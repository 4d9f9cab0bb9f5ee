"""Listing expiry runs through durable timers: armed when a listing is published, moved with
its end time, cancelled when it is closed; the worker expires it once."""

from __future__ import annotations

from datetime import timedelta

import httpx
from listings_support import CREATE, UPDATE, gql, lifecycle, seed_categories, valid_input
from sqlmodel import col, select

from auth_factories import create_member_with_token
from c2c_api.db import Database
from c2c_api.events.models import EventStatus, OutboxEvent, Timer, TimerStatus
from c2c_api.kit.clock import clock, utcnow
from c2c_api.listings.models import Listing, ListingRevision, ListingStatus
from worker_support import app_worker, drain


async def _published(client: httpx.AsyncClient, token: str, kind: str) -> str:
    created = (await gql(client, CREATE, {"i": valid_input(kind)}, token=token))["createListing"]
    gid = str(created["listing"]["id"])
    published = await gql(client, lifecycle("publishListing"), {"id": gid}, token=token)
    assert published["publishListing"]["__typename"] == "ListingSuccess", published
    return gid


async def _only(db: Database) -> tuple[Listing, Timer]:
    async with db.sessionmaker() as session:
        listing = (await session.exec(select(Listing))).one()
        timer = (await session.exec(select(Timer))).one()
    return listing, timer


class TestExpiryTimers:
    async def test_published_listing_expires_through_its_timer_once(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, owner = await create_member_with_token(db, scopes=["listings:write"])
        await _published(client, owner, "SALE")
        listing, timer = await _only(db)
        assert (timer.subject_id, timer.action, timer.status) == (
            listing.id,
            "listing.expire",
            TimerStatus.PENDING,
        )
        assert timer.due_at == listing.expires_at
        worker = app_worker(db)
        await drain(worker)  # matching job, listing.changed relay: nothing expires yet
        clock.freeze(timer.due_at + timedelta(seconds=1))
        assert await drain(worker) >= 2
        assert await drain(app_worker(db)) == 0  # and never again
        async with db.sessionmaker() as session:
            expired = (await session.exec(select(Listing))).one()
            actions = (await session.exec(select(ListingRevision.action))).all()
            changed = (
                await session.exec(
                    select(OutboxEvent)
                    .where(OutboxEvent.topic == "listing.changed")
                    .order_by(col(OutboxEvent.created_at))
                )
            ).all()
        assert expired.status == ListingStatus.EXPIRED
        assert actions.count("expired") == 1
        assert [e.payload["status"] for e in changed][-1] == "EXPIRED"
        assert {e.status for e in changed} == {EventStatus.DONE}

    async def test_a_new_end_time_moves_the_timer(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await seed_categories(db)
        _, owner = await create_member_with_token(db, scopes=["listings:write"])
        gid = await _published(client, owner, "AUCTION")
        listing, timer = await _only(db)
        assert timer.due_at == listing.ends_at
        later = (utcnow() + timedelta(days=3)).isoformat()
        result = await gql(
            client,
            UPDATE,
            {"id": gid, "v": listing.version, "i": {"auction": {"endsAt": later}}},
            token=owner,
        )
        assert result["updateListing"]["__typename"] == "ListingSuccess", result
        listing, timer = await _only(db)
        assert timer.due_at == listing.ends_at
        assert timer.due_at.isoformat() == later
        assert timer.status == TimerStatus.PENDING

    async def test_closing_cancels_the_timer(self, client: httpx.AsyncClient, db: Database) -> None:
        await seed_categories(db)
        _, owner = await create_member_with_token(db, scopes=["listings:write"])
        gid = await _published(client, owner, "SALE")
        paused = await gql(client, lifecycle("pauseListing"), {"id": gid}, token=owner)
        assert paused["pauseListing"]["listing"]["status"] == "PAUSED"
        assert (await _only(db))[1].status == TimerStatus.PENDING  # a paused listing still ends
        await gql(client, lifecycle("closeListing"), {"id": gid}, token=owner)
        _listing, timer = await _only(db)
        assert timer.status == TimerStatus.CANCELLED
        clock.freeze(utcnow() + timedelta(days=365))
        await drain(app_worker(db))
        async with db.sessionmaker() as session:
            assert (await session.exec(select(Listing))).one().status == ListingStatus.CLOSED
