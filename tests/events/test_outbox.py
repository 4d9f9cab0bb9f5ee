"""The outbox: delivered after commit only, each event once, retried, dead-lettered, retried by
an operator; two workers on PostgreSQL never handle one event twice."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.db import Database
from c2c_api.events import metrics
from c2c_api.events.models import EventStatus, OutboxEvent
from c2c_api.events.service import list_events, record_event, retry_events
from c2c_api.events.worker import Handlers, RetryPolicy, Worker
from c2c_api.kit.clock import clock, utcnow

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def record(db: Database, topic: str, **payload: Any) -> uuid.UUID:
    async with db.transaction() as session:
        return (await record_event(session, topic=topic, payload=payload)).id


async def load(db: Database, event_id: uuid.UUID) -> OutboxEvent:
    async with db.sessionmaker() as session:
        event = await session.get(OutboxEvent, event_id)
        assert event is not None
        return event


class TestDeliveredAfterCommit:
    async def test_rolled_back_events_are_never_delivered(self, db: Database) -> None:
        seen: list[dict[str, Any]] = []

        async def handler(event: OutboxEvent) -> None:
            seen.append(event.payload)

        handlers = Handlers()
        handlers.on_lease("note", handler)
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await record_event(session, topic="note", payload={"n": 1})
                raise RuntimeError("the change failed")
        await record(db, "note", n=2)
        worker = Worker(db, handlers)
        assert await worker.run_once() == 1
        assert seen == [{"n": 2}]
        assert await worker.run_once() == 0
        assert seen == [{"n": 2}]

    async def test_an_uncommitted_event_waits_for_the_commit(self, db: Database) -> None:
        seen: list[uuid.UUID] = []

        async def handler(session: AsyncSession, event: OutboxEvent) -> None:
            seen.append(event.id)

        handlers = Handlers()
        handlers.on_transaction("note", handler)
        worker = Worker(db, handlers)
        async with db.write_sessionmaker() as open_session:
            event = await record_event(open_session, topic="note", payload={})
            if not db.settings.is_sqlite:  # SQLite's writer blocks every other writer meanwhile
                assert await worker.run_once() == 0
            await open_session.commit()
        assert await worker.run_once() == 1
        assert seen == [event.id]
        assert (await load(db, event.id)).status == EventStatus.DONE

    async def test_a_commit_wakes_a_running_worker(self, db: Database) -> None:
        seen = asyncio.Event()

        async def handler(event: OutboxEvent) -> None:
            seen.set()

        handlers = Handlers()
        handlers.on_lease("note", handler)
        worker = Worker(db, handlers, poll_interval=60)  # only a wake-up can deliver in time
        worker.start()
        try:
            await asyncio.sleep(0.2)  # the first, empty round is over: the worker waits
            await record(db, "note")
            await asyncio.wait_for(seen.wait(), timeout=5)
        finally:
            await worker.stop()

    async def test_live_events_do_not_wait_behind_a_slow_handler(self, db: Database) -> None:
        """On PostgreSQL live events (quick leases) have a lane of their own: a relay recorded
        while an e-mail hangs is published at once; on SQLite (one writer) one lane does
        everything and it waits."""
        mail_started, release, relayed = asyncio.Event(), asyncio.Event(), asyncio.Event()

        async def mail(event: OutboxEvent) -> None:
            mail_started.set()
            await release.wait()

        async def relay(event: OutboxEvent) -> None:
            relayed.set()

        handlers = Handlers()
        handlers.on_lease("mail", mail)
        handlers.on_lease("relay", relay, quick=True)
        worker = Worker(db, handlers, poll_interval=60)
        assert [lane.name for lane in worker.lanes()] == (
            ["all"] if db.settings.is_sqlite else ["live", "rest"]
        )
        worker.start()
        try:
            await record(db, "mail")
            await asyncio.wait_for(mail_started.wait(), timeout=5)
            await record(db, "relay")
            if db.settings.is_sqlite:
                await asyncio.sleep(0.3)
                assert not relayed.is_set()  # behind the e-mail, in the same lane
                release.set()
            await asyncio.wait_for(relayed.wait(), timeout=5)
            assert db.settings.is_sqlite or not release.is_set()  # the e-mail still hangs
        finally:
            release.set()
            await worker.stop()

    async def test_a_topic_without_handler_is_marked_done(self, db: Database) -> None:
        event_id = await record(db, "nobody.listens")
        assert await Worker(db, Handlers()).run_once() == 1
        assert (await load(db, event_id)).status == EventStatus.DONE

    async def test_quick_leases_run_first_and_are_marked_before_slow_ones_run(
        self, db: Database
    ) -> None:
        """A relay (quick) claimed in the same batch as an older e-mail (slow) is published and
        marked done before the e-mail is even attempted; a failed quick lease is retried, and
        the slow one still records its own outcome."""
        order: list[str] = []
        seen_during_mail: dict[str, EventStatus] = {}

        async def relay(event: OutboxEvent) -> None:
            order.append(f"relay {event.payload['n']}")
            if event.payload["n"] == 2:
                raise Boom("broker down")

        handlers = Handlers()
        mail_id = await record(db, "mail", n=0)
        relayed = [await record(db, "relay", n=n) for n in (1, 2)]

        async def mail(event: OutboxEvent) -> None:
            order.append("mail")
            for name, event_id in (("ok", relayed[0]), ("failed", relayed[1])):
                seen_during_mail[name] = (await load(db, event_id)).status

        handlers.on_lease("mail", mail)
        handlers.on_lease("relay", relay, quick=True)
        assert await Worker(db, handlers).run_once() == 3
        assert order == ["relay 1", "relay 2", "mail"]
        assert seen_during_mail == {"ok": EventStatus.DONE, "failed": EventStatus.PENDING}
        failed = await load(db, relayed[1])
        assert (failed.attempts, failed.claim_token, failed.last_error) == (
            1,
            None,
            "Boom: broker down",
        )
        assert (await load(db, mail_id)).status == EventStatus.DONE


class Boom(Exception):
    pass


class TestPreparedHandlers:
    """`on_prepared`: a network read with no transaction open, then database effects committed
    with the done mark (exactly once)."""

    async def test_the_read_runs_outside_any_transaction_and_the_writes_with_the_mark(
        self, db: Database
    ) -> None:
        open_during_prepare: list[int] = []

        async def prepare(event: OutboxEvent) -> str:
            open_during_prepare.append(db.engine.pool.checkedout())
            return f"prepared {event.payload['n']}"

        async def apply(session: AsyncSession, event: OutboxEvent, prepared: str) -> None:
            await record_event(session, topic="effect", payload={"from": prepared})

        handlers = Handlers()
        handlers.on_prepared("ask", prepare, apply)
        asked = await record(db, "ask", n=1)
        assert await Worker(db, handlers).handle_one() is True
        assert open_during_prepare == [0]
        event = await load(db, asked)
        assert (event.status, event.attempts, event.claim_token) == (EventStatus.DONE, 1, None)
        async with db.sessionmaker() as session:
            effects = (
                await session.exec(select(OutboxEvent).where(OutboxEvent.topic == "effect"))
            ).all()
        assert [e.payload for e in effects] == [{"from": "prepared 1"}]

    @pytest.mark.parametrize("failing", ["prepare", "apply"])
    async def test_a_failure_in_either_step_leaves_no_effect_and_retries(
        self, db: Database, failing: str
    ) -> None:
        async def prepare(event: OutboxEvent) -> None:
            if failing == "prepare":
                raise Boom("presence unreachable")

        async def apply(session: AsyncSession, event: OutboxEvent, prepared: None) -> None:
            await record_event(session, topic="effect", payload={})
            if failing == "apply":
                raise Boom("constraint")

        handlers = Handlers()
        handlers.on_prepared("ask", prepare, apply)
        asked = await record(db, "ask")
        assert await Worker(db, handlers).run_once() == 1
        event = await load(db, asked)
        assert (event.status, event.attempts, event.claim_token) == (EventStatus.PENDING, 1, None)
        assert event.last_error is not None and event.last_error.startswith("Boom")
        async with db.sessionmaker() as session:
            effects = (
                await session.exec(select(OutboxEvent).where(OutboxEvent.topic == "effect"))
            ).all()
        assert effects == []

    async def test_a_lost_lease_applies_nothing(self, db: Database) -> None:
        """The worker that took the event over decides; the late one writes nothing."""
        clock.freeze(T0)
        release, started = asyncio.Event(), asyncio.Event()
        applied: list[str] = []

        async def prepare(event: OutboxEvent) -> None:
            if not applied and not started.is_set():
                started.set()
                await release.wait()

        async def apply(session: AsyncSession, event: OutboxEvent, prepared: None) -> None:
            applied.append("once")

        handlers = Handlers()
        handlers.on_prepared("ask", prepare, apply)
        asked = await record(db, "ask")
        late = asyncio.create_task(Worker(db, handlers, lease=timedelta(seconds=30)).handle_one())
        await asyncio.wait_for(started.wait(), 5)
        clock.freeze(T0 + timedelta(seconds=31))
        assert await Worker(db, handlers).handle_one() is True  # took the expired lease over
        release.set()
        await late
        assert applied == ["once"]
        assert (await load(db, asked)).status == EventStatus.DONE


class TestRetries:
    def policy(self) -> RetryPolicy:
        return RetryPolicy(max_attempts=3, base=timedelta(seconds=10), cap=timedelta(minutes=5))

    async def test_backoff_dead_letter_and_operator_retry(self, db: Database) -> None:
        clock.freeze(T0)
        fail = True
        handled: list[str] = []

        async def flaky(event: OutboxEvent) -> None:
            if fail and event.payload.get("poison"):
                raise Boom("cannot deliver")
            handled.append(event.payload["name"])

        handlers = Handlers()
        handlers.on_lease("note", flaky)
        worker = Worker(db, handlers, policy=self.policy(), rng=random.Random(7))
        poison = await record(db, "note", name="poison", poison=True)
        await record(db, "note", name="fine")
        before = metrics.FAILURES.labels("note")._value.get()

        assert await worker.run_once() == 2  # the poison event does not stop the other one
        assert handled == ["fine"]
        event = await load(db, poison)
        assert (event.status, event.attempts) == (EventStatus.PENDING, 1)
        assert event.last_error == "Boom: cannot deliver"
        # Backoff with jitter: 10 s at most, 5 s at least (jitter 0.5).
        assert T0 + timedelta(seconds=5) <= event.available_at <= T0 + timedelta(seconds=10)
        assert await worker.run_once() == 0  # not due yet

        clock.freeze(event.available_at)
        assert await worker.run_once() == 1
        event = await load(db, poison)
        assert event.attempts == 2
        delay = event.available_at - utcnow()
        assert timedelta(seconds=10) <= delay <= timedelta(seconds=20)  # doubled

        clock.freeze(event.available_at)
        assert await worker.run_once() == 1
        event = await load(db, poison)
        assert (event.status, event.attempts) == (EventStatus.DEAD, 3)
        assert metrics.FAILURES.labels("note")._value.get() == before + 3
        clock.freeze(T0 + timedelta(days=1))
        assert await worker.run_once() == 0  # dead letters stay put

        async with db.sessionmaker() as session:
            assert [e.id for e in await list_events(session, dead=True)] == [poison]
        fail = False
        async with db.transaction() as session:
            assert await retry_events(session, event_ids=[poison]) == 1
        assert await worker.run_once() == 1
        assert handled == ["fine", "poison"]
        assert (await load(db, poison)).status == EventStatus.DONE

    async def test_a_failed_transactional_handler_leaves_no_effect(self, db: Database) -> None:
        attempts = 0

        async def half_done(session: AsyncSession, event: OutboxEvent) -> None:
            nonlocal attempts
            attempts += 1
            await record_event(session, topic="effect", payload={"attempt": attempts})
            if attempts == 1:
                raise Boom("after writing")

        handlers = Handlers()
        handlers.on_transaction("job", half_done)
        clock.freeze(T0)
        worker = Worker(db, handlers, policy=self.policy())
        job = await record(db, "job")
        await worker.handle_one()
        async with db.sessionmaker() as session:
            effects = (
                await session.exec(select(OutboxEvent).where(OutboxEvent.topic == "effect"))
            ).all()
        assert effects == []  # rolled back with the failed attempt
        assert (await load(db, job)).attempts == 1
        clock.freeze(T0 + timedelta(minutes=1))
        await worker.handle_one()
        async with db.sessionmaker() as session:
            effects = (
                await session.exec(select(OutboxEvent).where(OutboxEvent.topic == "effect"))
            ).all()
        assert [e.payload for e in effects] == [{"attempt": 2}]
        assert (await load(db, job)).status == EventStatus.DONE

    async def test_an_expired_lease_is_reclaimed_and_the_late_finish_ignored(
        self, db: Database
    ) -> None:
        """At least once: a worker that lost its lease (killed, or too slow) does not mark the
        event; the worker that reclaimed it does."""
        clock.freeze(T0)
        calls: list[int] = []
        release = asyncio.Event()
        started = asyncio.Event()

        async def slow(event: OutboxEvent) -> None:
            calls.append(len(calls))
            if len(calls) == 1:
                started.set()
                await release.wait()

        handlers = Handlers()
        handlers.on_lease("note", slow)
        first = Worker(db, handlers, lease=timedelta(seconds=30))
        second = Worker(db, handlers, lease=timedelta(seconds=30))
        event_id = await record(db, "note")
        task = asyncio.create_task(first.handle_one())
        await asyncio.wait_for(started.wait(), 5)
        assert await second.handle_one() is False  # leased: not handed out twice
        clock.freeze(T0 + timedelta(seconds=31))
        assert await second.handle_one() is True  # the lease ran out: reclaimed
        assert (await load(db, event_id)).status == EventStatus.DONE
        release.set()
        await task  # its finish finds another claim token: ignored
        event = await load(db, event_id)
        assert (event.status, event.attempts, len(calls)) == (EventStatus.DONE, 2, 2)


class TestCommands:
    async def test_outbox_list_and_retry(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from c2c_api.cli import main
        from c2c_api.config import get_settings

        async def boom(event: OutboxEvent) -> None:
            raise Boom("down")

        handlers = Handlers()
        handlers.on_lease("note", boom)
        event_id = await record(db, "note")
        await Worker(db, handlers, policy=RetryPolicy(max_attempts=1)).run_once()
        monkeypatch.setenv("C2C_DATABASE_URL", db.settings.database_url)
        get_settings.cache_clear()
        try:
            runner = CliRunner()
            dead = await asyncio.to_thread(runner.invoke, main, ["outbox", "list", "--dead"])
            assert dead.exit_code == 0, dead.output
            assert str(event_id) in dead.output and "Boom: down" in dead.output
            pending = await asyncio.to_thread(runner.invoke, main, ["outbox", "list"])
            assert str(event_id) not in pending.output
            retried = await asyncio.to_thread(
                runner.invoke, main, ["outbox", "retry", "--all-dead"]
            )
            assert retried.exit_code == 0, retried.output
            assert "requeued 1 event(s)" in retried.output
            unknown = await asyncio.to_thread(
                runner.invoke, main, ["outbox", "retry", str(uuid.uuid4())]
            )
            assert unknown.exit_code == 1
            bad = await asyncio.to_thread(runner.invoke, main, ["outbox", "retry"])
            assert bad.exit_code == 2
        finally:
            get_settings.cache_clear()
        assert (await load(db, event_id)).status == EventStatus.PENDING

    async def test_outbox_purge_keeps_what_is_recent_pending_or_dead(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from c2c_api.cli import main
        from c2c_api.config import get_settings

        async def ok(event: OutboxEvent) -> None:
            return None

        async def boom(event: OutboxEvent) -> None:
            raise Boom("down")

        handlers = Handlers()
        handlers.on_lease("done", ok)
        handlers.on_lease("dead", boom)
        clock.freeze(T0)
        old_done = await record(db, "done")
        old_dead = await record(db, "dead")
        await Worker(db, handlers, policy=RetryPolicy(max_attempts=1)).run_once()
        clock.freeze(T0 + timedelta(days=40))
        recent_done = await record(db, "done")
        await Worker(db, handlers, policy=RetryPolicy(max_attempts=1)).run_once()
        pending = await record(db, "later")
        monkeypatch.setenv("C2C_DATABASE_URL", db.settings.database_url)
        get_settings.cache_clear()
        try:
            purged = await asyncio.to_thread(
                CliRunner().invoke, main, ["outbox", "purge", "--older-than-days", "30"]
            )
        finally:
            get_settings.cache_clear()
        assert purged.exit_code == 0, purged.output
        assert "purged 1 row(s)" in purged.output
        async with db.sessionmaker() as session:
            left = set((await session.exec(select(OutboxEvent.id))).all())
        assert left == {old_dead, recent_done, pending}
        assert old_done not in left


class TestMetrics:
    async def test_backlog_and_oldest_age(self, db: Database) -> None:
        clock.freeze(T0)
        await record(db, "note")
        clock.freeze(T0 + timedelta(seconds=90))
        await record(db, "note")
        worker = Worker(db, Handlers())
        await worker.refresh_metrics()
        assert metrics.BACKLOG._value.get() == 2
        assert metrics.OLDEST_AGE._value.get() == 90
        await worker.run_once()
        assert metrics.BACKLOG._value.get() == 0
        assert metrics.OLDEST_AGE._value.get() == 0


@pytest.mark.postgres_only
class TestTwoWorkersOnPostgres:
    async def test_each_event_is_handled_once(self, db: Database) -> None:
        """Both workers sit inside their first handler at once (a barrier): each holds the
        row lock of a different event, so neither can take the other's (SKIP LOCKED)."""
        if db.settings.is_sqlite:
            pytest.skip("PostgreSQL row locks (SQLite serialises writers)")
        handled: list[tuple[str, uuid.UUID]] = []
        barrier = asyncio.Barrier(2)
        waiting = {"a": True, "b": True}

        def handler_for(name: str) -> Any:
            async def handler(session: AsyncSession, event: OutboxEvent) -> None:
                if waiting[name]:
                    waiting[name] = False
                    await asyncio.wait_for(barrier.wait(), timeout=10)
                handled.append((name, event.id))

            return handler

        ids = [await record(db, "job", n=n) for n in range(20)]
        workers = []
        for name in ("a", "b"):
            handlers = Handlers()
            handlers.on_transaction("job", handler_for(name))
            workers.append(Worker(db, handlers, batch_size=100, claim_batch=5))
        await asyncio.gather(*(w.handle_due_events() for w in workers))
        assert sorted(event_id for _, event_id in handled) == sorted(ids)
        assert {name for name, _ in handled} == {"a", "b"}
        async with db.sessionmaker() as session:
            statuses = (await session.exec(select(OutboxEvent.status))).all()
        assert set(statuses) == {EventStatus.DONE}


class TestTwoWorkersOnSqlite:
    async def test_each_event_is_handled_once(self, db: Database) -> None:
        handled: list[uuid.UUID] = []

        async def handler(session: AsyncSession, event: OutboxEvent) -> None:
            handled.append(event.id)

        handlers = Handlers()
        handlers.on_transaction("job", handler)
        ids = [await record(db, "job") for _ in range(20)]
        workers = [Worker(db, handlers, batch_size=100) for _ in range(3)]
        await asyncio.gather(*(w.handle_due_events() for w in workers))
        assert sorted(handled) == sorted(ids)
