"""The outbox worker: delivers committed events to their topic's handler and fires timers.

    Handlers            topic -> handler; two kinds:
      transactional     `async def h(session, event)`: database effects only. Its effects and
                        the event's "done" mark commit in one transaction, so a killed worker
                        never doubles them (exactly once).
      leased            `async def h(event)`: a network effect (SMTP, broker). Claimed with a
                        lease (locked_until + claim token) in a short transaction, run with no
                        transaction open, marked done in another that checks the token. A lease
                        that expires (killed worker) is reclaimed: at least once.
    RetryPolicy         exponential backoff with jitter, dead letter after `max_attempts`
    Worker              fire_due_timers() + handle_due_events(): events are claimed
                        `claim_batch` per transaction; run() polls and is woken by commits of
                        this process that wrote events (service.wake_after_commit), and with
                        a shared broker by other processes' commits (wakeup.py)

Several workers may run: PostgreSQL rows are claimed with FOR UPDATE SKIP LOCKED; SQLite write
transactions (BEGIN IMMEDIATE) serialise them. Time comes from the injectable clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from c2c_api.broker import Broker
from c2c_api.db import Database
from c2c_api.events import metrics
from c2c_api.events.models import EventStatus, OutboxEvent, Timer, TimerStatus
from c2c_api.events.service import Waker, record_event, register_waker, unregister_waker
from c2c_api.events.wakeup import listen_for_wakes
from c2c_api.kit.clock import utcnow

log = logging.getLogger(__name__)

TransactionalHandler = Callable[[AsyncSession, OutboxEvent], Awaitable[None]]
LeasedHandler = Callable[[OutboxEvent], Awaitable[None]]
# A prepared handler: `prepare(event)` asks the network (no transaction open), then
# `apply(session, event, prepared)` writes, committed with the event's done mark.
Prepare = Callable[[OutboxEvent], Awaitable[Any]]
Apply = Callable[[AsyncSession, OutboxEvent, Any], Awaitable[None]]
Effect = Callable[[AsyncSession, OutboxEvent], Awaitable[None]]
# What a lease came to: the event, its claim token, the error if it failed, and database
# effects to commit with its done mark (a prepared handler's).
Outcome = tuple[OutboxEvent, uuid.UUID, BaseException | None, Effect | None]


@dataclass
class Handlers:
    """The handler of each topic. A topic without one is marked done when its events come up
    (events are also a record; nothing is lost by a topic nobody listens to yet)."""

    transactional: dict[str, TransactionalHandler] = field(default_factory=dict)
    leased: dict[str, LeasedHandler] = field(default_factory=dict)
    # Leased topics whose effect is quick and harmless to repeat (a broker publish): a batch's
    # run first, and their outcomes are recorded together.
    quick: set[str] = field(default_factory=set)
    prepared: dict[str, tuple[Prepare, Apply]] = field(default_factory=dict)

    def on_transaction(self, topic: str, handler: TransactionalHandler) -> None:
        """Register a handler whose effects are in the database (committed with the done mark)."""
        self._check_free(topic)
        self.transactional[topic] = handler

    def on_lease(self, topic: str, handler: LeasedHandler, *, quick: bool = False) -> None:
        """Register a handler with a network effect (run outside any transaction, at least once).
        `quick`: the effect is fast and a repeat is harmless (a broker publish): a claimed
        batch runs these first, all of them, then records their outcomes in one transaction.
        Others (SMTP, a provider's API) each record their outcome as soon as they end."""
        self._check_free(topic)
        self.leased[topic] = handler
        if quick:
            self.quick.add(topic)

    def on_prepared(self, topic: str, prepare: Prepare, apply: Apply) -> None:
        """Register a handler whose database effects depend on a network read (a Redis
        lookup): claimed with a lease, `prepare(event)` runs with no transaction open, then
        `apply(session, event, prepared)` runs in the transaction that marks the event done
        (checking the lease is still this worker's): effects exactly once, no network call
        inside a transaction."""
        self._check_free(topic)
        self.prepared[topic] = (prepare, apply)

    def _check_free(self, topic: str) -> None:
        if topic in self.transactional or topic in self.leased or topic in self.prepared:
            raise ValueError(f"a handler is already registered for {topic!r}")

    @property
    def topics(self) -> list[str]:
        return sorted({*self.transactional, *self.leased, *self.prepared})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff (base * 2^(n-1), capped) with jitter, dead after `max_attempts`."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.5  # the delay is drawn from [delay * (1 - jitter), delay]

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        raw = min(self.base * (2 ** max(attempts - 1, 0)), self.cap)
        return raw * (1 - self.jitter * rng.random())


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


async def _run_lease(event: OutboxEvent, token: uuid.UUID, handler: LeasedHandler) -> Outcome:
    try:
        await handler(event)
    except Exception as exc:
        return event, token, exc, None
    return event, token, None, None


async def _run_prepare(
    event: OutboxEvent, token: uuid.UUID, prepare: Prepare, apply: Apply
) -> Outcome:
    try:
        prepared = await prepare(event)
    except Exception as exc:
        return event, token, exc, None

    async def effect(session: AsyncSession, held: OutboxEvent) -> None:
        await apply(session, held, prepared)

    return event, token, None, effect


def _due_timers(now: datetime) -> SelectOfScalar[Timer]:
    return (
        select(Timer)
        .where(Timer.status == TimerStatus.PENDING, col(Timer.due_at) <= now)
        .order_by(col(Timer.due_at))
    )


@dataclass(frozen=True)
class Lane:
    """Which events a round handles: `only` these topics, or all `but` these (neither: all);
    `timers`: whether it also fires timers and refreshes the gauges."""

    name: str
    only: frozenset[str] | None = None
    but: frozenset[str] | None = None
    timers: bool = True
    # Read first whether anything is due (no write transaction when idle); a lane on
    # PostgreSQL claims at once instead (SKIP LOCKED finds nothing to lock when idle).
    read_first: bool = True


ALL = Lane("all")


def _due_events(now: datetime, lane: Lane = ALL) -> SelectOfScalar[OutboxEvent]:
    query = select(OutboxEvent).where(
        OutboxEvent.status == EventStatus.PENDING,
        col(OutboxEvent.available_at) <= now,
        or_(col(OutboxEvent.locked_until).is_(None), col(OutboxEvent.locked_until) <= now),
    )
    if lane.only is not None:
        query = query.where(col(OutboxEvent.topic).in_(sorted(lane.only)))
    if lane.but:
        query = query.where(col(OutboxEvent.topic).not_in(sorted(lane.but)))
    return query.order_by(col(OutboxEvent.available_at), col(OutboxEvent.id))


class Worker:
    """Delivers due events and fires due timers; see the module docstring."""

    def __init__(
        self,
        db: Database,
        handlers: Handlers,
        *,
        policy: RetryPolicy | None = None,
        batch_size: int = 50,
        claim_batch: int = 10,
        poll_interval: float = 1.0,
        lease: timedelta = timedelta(seconds=60),
        rng: random.Random | None = None,
        wakeups: Broker | None = None,
    ) -> None:
        self.db = db
        self.wakeups = wakeups  # a shared broker: other processes' commits wake this worker
        self.handlers = handlers
        self.policy = policy or RetryPolicy()
        self.batch_size = batch_size
        self.claim_batch = claim_batch
        self.poll_interval = poll_interval
        self.lease = lease
        self.rng = rng or random.Random()  # noqa: S311 (jitter, not security)
        self._wakes: list[asyncio.Event] = [asyncio.Event()]
        self._waker = Waker(self.wake)
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- one round -------------------------------------------------------------------------

    async def run_once(self, lane: Lane = ALL) -> int:
        """Fire due timers, then handle up to `batch_size` due events; how many of both.
        `lane`: only some topics (run() gives live events a lane of their own)."""
        if not lane.read_first:
            return await self._handle_due_events(lane)
        # One read first, for both: no write lock (nor a second round trip) when idle.
        timers_due, events_due = await self._due(lane, timers=lane.timers)
        fired = await self._fire_due_timers() if timers_due else 0
        handled = await self._handle_due_events(lane) if events_due or fired else 0
        if lane.timers:
            await self.refresh_metrics()
        return fired + handled

    async def fire_due_timers(self) -> int:
        """Turn due timers into events of their action's topic (once: the timer row is locked,
        marked fired and the event recorded in one transaction)."""
        timers_due, _ = await self._due(ALL, timers=True, events=False)
        return await self._fire_due_timers() if timers_due else 0

    async def _due(self, lane: Lane, *, timers: bool, events: bool = True) -> tuple[bool, bool]:
        """Whether timers, and events of `lane`, are due: one read, before any write
        transaction (none is opened when there is nothing to do)."""
        now = utcnow()
        async with self.db.sessionmaker() as session:
            due: tuple[bool, bool] = (
                await session.exec(
                    sa.select(  # type: ignore[call-overload]
                        _due_timers(now).limit(1).exists() if timers else sa.false(),
                        _due_events(now, lane).limit(1).exists() if events else sa.false(),
                    )
                )
            ).one()
        return due

    async def _fire_due_timers(self) -> int:
        now = utcnow()
        stmt = _due_timers(now).limit(self.batch_size)
        async with self.db.transaction() as session:
            timers = (await session.exec(stmt.with_for_update(skip_locked=True))).all()
            for timer in timers:
                timer.status = TimerStatus.FIRED
                timer.fired_at = now
                timer.updated_at = now
                session.add(timer)
                await record_event(
                    session,
                    topic=timer.action,
                    payload={
                        "subjectType": timer.subject_type,
                        "subjectId": str(timer.subject_id),
                        "dueAt": timer.due_at.isoformat(),
                    },
                )
                metrics.TIMERS_FIRED.labels(timer.action).inc()
            return len(timers)

    async def handle_due_events(self) -> int:
        """Handle due events, `claim_batch` per transaction, up to `batch_size`; how many."""
        _, events_due = await self._due(ALL, timers=False)
        return await self._handle_due_events() if events_due else 0

    async def _handle_due_events(self, lane: Lane = ALL) -> int:
        handled = 0
        while handled < self.batch_size:
            limit = min(self.claim_batch, self.batch_size - handled)
            claimed = await self._handle_claimed(limit, lane)
            handled += claimed
            if claimed < limit:
                break  # nothing more was due when it claimed: no empty claim after it
        return handled

    async def handle_one(self) -> bool:
        """Claim the oldest due event and handle it; False when none is due."""
        return await self._handle_claimed(1) > 0

    async def _handle_claimed(self, limit: int, lane: Lane = ALL) -> int:
        """Claim up to `limit` due events in one transaction: transactional handlers run there
        (each in a savepoint) and commit with their done marks; leased ones are claimed there
        and run after the commit: the quick ones first (a subscriber's second channel is not
        kept waiting for the first one's bookkeeping, nor for an e-mail) with their outcomes
        recorded together, then the others one by one, each recorded as it ends. The number
        claimed."""
        now = utcnow()
        leases: list[tuple[OutboxEvent, uuid.UUID, LeasedHandler]] = []
        prepared: list[tuple[OutboxEvent, uuid.UUID, tuple[Prepare, Apply]]] = []
        async with self.db.transaction() as session:
            events = (
                await session.exec(
                    _due_events(now, lane).limit(limit).with_for_update(skip_locked=True)
                )
            ).all()
            for event in events:
                transactional = self.handlers.transactional.get(event.topic)
                if transactional is not None:
                    await self._handle_in_transaction(session, event, transactional, now)
                    continue
                leased = self.handlers.leased.get(event.topic)
                steps = self.handlers.prepared.get(event.topic)
                if leased is None and steps is None:
                    log.debug(
                        "no handler for topic %s; event %s marked done", event.topic, event.id
                    )
                    self._mark_done(event, now)
                    session.add(event)
                    continue
                token = uuid.uuid4()
                event.claim_token = token
                event.locked_until = now + self.lease
                event.attempts += 1
                session.add(event)
                if leased is not None:
                    leases.append((event, token, leased))
                elif steps is not None:
                    prepared.append((event, token, steps))
        # The claims are committed: leased handlers run with no transaction open.
        quick = [lease for lease in leases if lease[0].topic in self.handlers.quick]
        if quick:
            await self._finish_leases([await _run_lease(*lease) for lease in quick])
        for event, token, (prepare, apply) in prepared:
            await self._finish_leases([await _run_prepare(event, token, prepare, apply)])
        for lease in leases:
            if lease[0].topic not in self.handlers.quick:
                await self._finish_leases([await _run_lease(*lease)])
        return len(events)

    async def _handle_in_transaction(
        self,
        session: AsyncSession,
        event: OutboxEvent,
        handler: TransactionalHandler,
        now: datetime,
    ) -> None:
        try:
            async with session.begin_nested():
                await handler(session, event)
        except Exception as exc:
            event.attempts += 1
            self._record_failure(event, exc)
        else:
            event.attempts += 1
            self._mark_done(event, now)
        session.add(event)

    async def _finish_leases(self, outcomes: list[Outcome]) -> None:
        """Record the leased handlers' outcomes (done, or a failure to retry) in one
        transaction, each only if its lease is still this worker's; a prepared handler's
        database effects are applied there first (in a savepoint: a failure undoes them)."""
        async with self.db.transaction() as session:
            held = {
                event.id: event
                for event in (
                    await session.exec(
                        select(OutboxEvent)
                        .where(col(OutboxEvent.id).in_([outcome[0].id for outcome in outcomes]))
                        .order_by(col(OutboxEvent.id))
                        .with_for_update()
                    )
                ).all()
            }
            for claimed, token, failure, effect in outcomes:
                error = failure
                event = held.get(claimed.id)
                if (
                    event is None
                    or event.claim_token != token
                    or event.status != EventStatus.PENDING
                ):
                    # The lease ran out and another worker took the event over: it decides.
                    log.warning(
                        "lease on event %s (%s) was lost before it finished",
                        claimed.id,
                        claimed.topic,
                    )
                    continue
                event.claim_token = None
                event.locked_until = None
                if error is None and effect is not None:
                    try:
                        async with session.begin_nested():
                            await effect(session, event)
                    except Exception as exc:
                        error = exc
                if error is None:
                    self._mark_done(event, utcnow())
                else:
                    self._record_failure(event, error)
                session.add(event)

    def _mark_done(self, event: OutboxEvent, now: datetime) -> None:
        event.status = EventStatus.DONE
        event.published_at = now
        event.last_error = None
        metrics.HANDLED.labels(event.topic).inc()

    def _record_failure(self, event: OutboxEvent, exc: BaseException) -> None:
        event.last_error = _error_text(exc)
        metrics.FAILURES.labels(event.topic).inc()
        if event.attempts >= self.policy.max_attempts:
            event.status = EventStatus.DEAD
            metrics.DEAD_LETTERED.labels(event.topic).inc()
            log.error(
                "event %s (%s) dead after %d attempts: %s",
                event.id,
                event.topic,
                event.attempts,
                event.last_error,
            )
        else:
            event.available_at = utcnow() + self.policy.delay(event.attempts, self.rng)
            log.warning(
                "event %s (%s) failed (attempt %d), retried at %s: %s",
                event.id,
                event.topic,
                event.attempts,
                event.available_at.isoformat(),
                event.last_error,
            )

    async def refresh_metrics(self) -> None:
        async with self.db.sessionmaker() as session:
            await metrics.refresh_gauges(session, utcnow())

    # -- running ---------------------------------------------------------------------------

    def lanes(self) -> list[Lane]:
        """The rounds run() keeps going side by side. On PostgreSQL, live events (the quick
        leases: relays to subscribers) have a lane of their own, so that a message reaches its
        subscribers without waiting behind e-mails, timers or the previous round's
        bookkeeping; SQLite serialises writers, so there one lane does everything."""
        quick = frozenset(self.handlers.quick)
        if not quick or self.db.settings.is_sqlite:
            return [ALL]
        return [
            Lane("live", only=quick, timers=False, read_first=False),
            Lane("rest", but=quick),
        ]

    async def run(self) -> None:
        """Rounds until cancelled, in each lane: at once after a full batch or a wake-up, else
        every poll."""
        self._loop = asyncio.get_running_loop()
        lanes = self.lanes()
        self._wakes = [asyncio.Event() for _ in lanes]
        register_waker(self._waker)
        tasks = [
            self._loop.create_task(self._rounds(lane, wake), name=f"c2c-outbox-{lane.name}")
            for lane, wake in zip(lanes, self._wakes, strict=True)
        ]
        if self.wakeups is not None:
            tasks.append(
                self._loop.create_task(
                    listen_for_wakes(self.wakeups, self.wake), name="c2c-outbox-wakeups"
                )
            )
        try:
            await asyncio.gather(*tasks)
        finally:
            unregister_waker(self._waker)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _rounds(self, lane: Lane, wake: asyncio.Event) -> None:
        while True:
            wake.clear()
            try:
                done = await self.run_once(lane)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("worker round failed (%s)", lane.name)
                done = 0
            if done >= self.batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=self.poll_interval)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Run in the background of the current event loop (the API's lifespan)."""
        if self.running:
            return
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self.run(), name="c2c-outbox-worker")

    async def stop(self) -> None:
        """Stop the background task (an event being handled rolls back or finishes)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def wake(self) -> None:
        """Run a round soon in every lane rather than at the next poll (safe from any
        thread)."""
        loop = self._loop
        for event in self._wakes:
            if loop is None or loop.is_closed():
                event.set()
            else:
                loop.call_soon_threadsafe(event.set)
