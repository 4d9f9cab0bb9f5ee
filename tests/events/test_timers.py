"""Durable timers: fired at their due time from the injected clock, once (two workers), after a
restart, moved or cancelled when their subject moves on."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent, Timer, TimerStatus
from c2c_api.events.service import cancel_timer, cancel_timers, schedule_timer
from c2c_api.events.worker import Handlers, Worker
from c2c_api.kit.clock import clock

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Rings:
    """A transactional handler of "thing.ring" counting what it handled."""

    def __init__(self) -> None:
        self.subjects: list[str] = []

    async def __call__(self, session: AsyncSession, event: OutboxEvent) -> None:
        self.subjects.append(event.payload["subjectId"])

    def worker(self, db: Database) -> Worker:
        handlers = Handlers()
        handlers.on_transaction("thing.ring", self)
        return Worker(db, handlers)


async def arm(db: Database, subject: uuid.UUID, due: datetime) -> None:
    async with db.transaction() as session:
        await schedule_timer(
            session, subject_type="thing", subject_id=subject, action="thing.ring", due_at=due
        )


async def timer_of(db: Database, subject: uuid.UUID, action: str = "thing.ring") -> Timer:
    async with db.sessionmaker() as session:
        found = await session.exec(
            select(Timer).where(Timer.subject_id == subject, Timer.action == action)
        )
        return found.one()


class TestTimers:
    async def test_fires_at_its_due_time_once(self, db: Database) -> None:
        rings = Rings()
        subject = uuid.uuid4()
        clock.freeze(T0)
        await arm(db, subject, T0 + timedelta(minutes=5))
        worker = rings.worker(db)
        clock.freeze(T0 + timedelta(minutes=5) - timedelta(seconds=1))
        assert await worker.run_once() == 0
        clock.freeze(T0 + timedelta(minutes=5))
        assert await worker.run_once() == 2  # fired, then its event handled
        assert rings.subjects == [str(subject)]
        clock.freeze(T0 + timedelta(days=1))
        assert await worker.run_once() == 0
        timer = await timer_of(db, subject)
        assert (timer.status, timer.fired_at) == (TimerStatus.FIRED, T0 + timedelta(minutes=5))

    async def test_two_workers_fire_it_once(self, db: Database) -> None:
        rings = Rings()
        subjects = [uuid.uuid4() for _ in range(10)]
        for subject in subjects:
            await arm(db, subject, T0)
        clock.freeze(T0)
        workers = [rings.worker(db) for _ in range(3)]
        await asyncio.gather(*(w.fire_due_timers() for w in workers))
        await asyncio.gather(*(w.handle_due_events() for w in workers))
        assert sorted(rings.subjects) == sorted(str(s) for s in subjects)
        async with db.sessionmaker() as session:
            events = (await session.exec(select(OutboxEvent))).all()
        assert len(events) == 10

    async def test_survives_a_restart(self, db: Database) -> None:
        subject = uuid.uuid4()
        await arm(db, subject, T0)
        restarted = Database(db.settings)  # a new process: nothing but the database carries over
        try:
            rings = Rings()
            clock.freeze(T0 + timedelta(hours=1))
            assert await rings.worker(restarted).run_once() == 2
            assert rings.subjects == [str(subject)]
        finally:
            await restarted.dispose()

    async def test_scheduling_again_moves_it_and_cancel_stops_it(self, db: Database) -> None:
        rings = Rings()
        moved, cancelled = uuid.uuid4(), uuid.uuid4()
        await arm(db, moved, T0)
        await arm(db, moved, T0 + timedelta(hours=1))
        await arm(db, cancelled, T0)
        async with db.transaction() as session:
            assert await cancel_timer(
                session, subject_type="thing", subject_id=cancelled, action="thing.ring"
            )
        clock.freeze(T0 + timedelta(minutes=30))
        worker = rings.worker(db)
        assert await worker.run_once() == 0
        clock.freeze(T0 + timedelta(hours=2))
        assert await worker.run_once() == 2
        assert rings.subjects == [str(moved)]
        assert (await timer_of(db, cancelled)).status == TimerStatus.CANCELLED

    async def test_a_fired_timer_can_be_armed_again(self, db: Database) -> None:
        rings = Rings()
        subject = uuid.uuid4()
        await arm(db, subject, T0)
        clock.freeze(T0)
        worker = rings.worker(db)
        await worker.run_once()
        await arm(db, subject, T0 + timedelta(days=1))
        clock.freeze(T0 + timedelta(days=1))
        await worker.run_once()
        assert rings.subjects == [str(subject), str(subject)]

    async def test_arming_and_cancelling_are_one_statement_each(self, db: Database) -> None:
        """Arming is an upsert (a pending timer already due then is left as it is); several
        timers of a subject are cancelled in one UPDATE."""
        subject = uuid.uuid4()
        statements: list[str] = []

        def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement.split()[0])

        clock.freeze(T0)
        await arm(db, subject, T0 + timedelta(hours=1))
        first = await timer_of(db, subject)
        clock.freeze(T0 + timedelta(minutes=5))
        sa.event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
        try:
            await arm(db, subject, T0 + timedelta(hours=1))  # the same: left as it is
        finally:
            sa.event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
        assert (await timer_of(db, subject)).updated_at == first.updated_at == T0
        sa.event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
        try:
            async with db.transaction() as session:
                await schedule_timer(
                    session,
                    subject_type="thing",
                    subject_id=subject,
                    action="thing.other",
                    due_at=T0 + timedelta(hours=2),
                )
                cancelled = await cancel_timers(
                    session,
                    subject_type="thing",
                    subject_id=subject,
                    actions=["thing.ring", "thing.other", "thing.none"],
                )
        finally:
            sa.event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
        assert cancelled == 2
        assert [s for s in statements if s in ("INSERT", "UPDATE", "SELECT")] == [
            "INSERT",
            "INSERT",
            "UPDATE",
        ]
        again = await timer_of(db, subject, "thing.ring")
        assert (again.updated_at, again.due_at) == (T0 + timedelta(minutes=5), first.due_at)
        assert again.status == TimerStatus.CANCELLED
