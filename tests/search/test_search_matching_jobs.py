"""Saved-search matching runs in the worker after the publishing commit, in bounded jobs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from search_support import create_listing, seed_categories
from sqlmodel import select

from c2c_api.authz import Actor, ActorKind
from c2c_api.db import Database
from c2c_api.events.models import EventStatus, OutboxEvent
from c2c_api.search import service
from factories import create_member
from worker_support import app_worker


class Statements:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen: list[str] = []

    def __enter__(self) -> Statements:
        sa.event.listen(self.db.engine.sync_engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        sa.event.remove(self.db.engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, _c: Any, _cur: Any, statement: str, *_: Any) -> None:
        self.seen.append(statement)


class TestMatchingJobs:
    async def test_bounded_jobs_off_the_publishing_transaction(self, db: Database) -> None:
        async with db.transaction() as session:
            await seed_categories(session)
            seller = await create_member(session)
            fans = []
            for _ in range(120):
                fan = await create_member(session)
                fans.append(fan.id)
                await service.save_search(
                    session,
                    Actor(kind=ActorKind.MEMBER, member_id=fan.id),
                    name="velos",
                    query="velo",
                    filter={},
                )
            listing = await create_listing(session, seller.id, title="Vélo", status="PUBLISHED")
        with Statements(db) as publishing:
            async with db.transaction() as session:
                await service.on_listing_published(session, listing)
        # Publishing only queues the job: no saved search is read in its transaction.
        assert not [s for s in publishing.seen if "saved_searches" in s], publishing.seen

        worker = app_worker(db, saved_search_match_batch=50)
        jobs = []
        while True:
            with Statements(db) as step:
                if not await worker.handle_one():
                    break
            if any("FROM saved_searches" in s for s in step.seen):
                jobs.append(step.seen)
        # 120 searches, 50 per job: 50 + 50 + 20, each job one bounded read and one evaluation.
        assert len(jobs) == 3
        for statements in jobs:
            reads = [s for s in statements if "FROM saved_searches" in s]
            assert len(reads) == 1 and "LIMIT" in reads[0], reads
            assert len([s for s in statements if "CASE WHEN" in s]) == 1
        async with db.sessionmaker() as session:
            events = (await session.exec(select(OutboxEvent))).all()
        matched = [e for e in events if e.topic == service.MATCH_TOPIC]
        assert sorted(e.member_id for e in matched) == sorted(fans)  # type: ignore[type-var]
        assert len({e.payload["savedSearchId"] for e in matched}) == 120
        assert [e.topic for e in events].count(service.MATCH_JOB_TOPIC) == 3
        assert {e.status for e in events} == {EventStatus.DONE}

    async def test_a_listing_no_longer_live_matches_nothing(self, db: Database) -> None:
        async with db.transaction() as session:
            await seed_categories(session)
            seller = await create_member(session)
            fan = await create_member(session)
            await service.save_search(
                session,
                Actor(kind=ActorKind.MEMBER, member_id=fan.id),
                name="a",
                query=None,
                filter={},
            )
            listing = await create_listing(session, seller.id, status="PUBLISHED")
            await service.on_listing_published(session, listing)
            listing.status = "CLOSED"  # type: ignore[assignment]
            session.add(listing)
        worker = app_worker(db)
        while await worker.handle_one():
            pass
        async with db.sessionmaker() as session:
            topics = (await session.exec(select(OutboxEvent.topic))).all()
        assert service.MATCH_TOPIC not in topics
