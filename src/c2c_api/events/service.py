"""Record events and schedule timers in the caller's transaction; operator reads and retries.

    record_event(session, topic=…, payload=…)          an event, delivered after commit
    schedule_timer(session, subject_type=…, …, due_at=…) a timer (moved when scheduled again)
    cancel_timer(s) (session, subject_type=…, …)        its subject moved on
    list_events(session, dead=…) / retry_events(…)      `c2c-api outbox list|retry`

A commit that wrote events or timers wakes the worker(s) running in this process
(`wake_local_workers`), so the embedded default delivers at once instead of at the next poll.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.events.models import EventStatus, OutboxEvent, Timer, TimerStatus
from c2c_api.kit.clock import utcnow

# Wake-up callbacks of the workers running in this process (see worker.Worker.start).
_local_wakers: weakref.WeakSet[Any] = weakref.WeakSet()


class Waker:
    """Something a commit wakes up (a worker of this process)."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback


def register_waker(waker: Waker) -> None:
    _local_wakers.add(waker)


def unregister_waker(waker: Waker) -> None:
    _local_wakers.discard(waker)


def _wake_local_workers(_session: Any) -> None:
    for waker in list(_local_wakers):
        waker.callback()


def wake_after_commit(session: AsyncSession) -> None:
    """Wake this process's workers when the session's transaction commits."""
    sync_session = session.sync_session
    if not sa_event.contains(sync_session, "after_commit", _wake_local_workers):
        sa_event.listen(sync_session, "after_commit", _wake_local_workers)


async def record_event(
    session: AsyncSession,
    *,
    topic: str,
    payload: dict[str, Any],
    member_id: uuid.UUID | None = None,
    partner_id: uuid.UUID | None = None,
    available_at: datetime | None = None,
    flush: bool = True,
) -> OutboxEvent:
    """Add an event to the outbox; it is delivered only if the transaction commits.

    `flush=False` leaves the insert to the next flush (several events then cost one batched
    INSERT); the event's id is known only after it."""
    now = utcnow()
    event = OutboxEvent(
        topic=topic,
        payload=payload,
        member_id=member_id,
        partner_id=partner_id,
        created_at=now,
        available_at=available_at or now,
    )
    session.add(event)
    if flush:
        await session.flush()
    wake_after_commit(session)
    return event


# Arming a timer is one statement (an upsert on its key, Core: no ORM flush before it).
_TIMERS: sa.Table = Timer.__table__  # type: ignore[attr-defined]


def _arm(insert: Any) -> Any:
    statement = insert(_TIMERS)
    moved = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["subject_type", "subject_id", "action"],
        set_={
            "due_at": moved.due_at,
            "status": TimerStatus.PENDING,
            "fired_at": None,
            "updated_at": moved.updated_at,
        },
        # a pending timer already due then is left as it is
        where=sa.or_(_TIMERS.c.status != TimerStatus.PENDING, _TIMERS.c.due_at != moved.due_at),
    )


_ARM = {"postgresql": _arm(postgresql.insert), "sqlite": _arm(sqlite.insert)}
_CANCEL = (
    sa.update(_TIMERS)
    .where(
        _TIMERS.c.subject_type == sa.bindparam("b_subject_type"),
        _TIMERS.c.subject_id == sa.bindparam("b_subject_id"),
        _TIMERS.c.action.in_(sa.bindparam("b_actions", expanding=True)),
        _TIMERS.c.status == TimerStatus.PENDING,
    )
    .values(status=TimerStatus.CANCELLED, updated_at=sa.bindparam("b_now"))
)


async def schedule_timer(
    session: AsyncSession,
    *,
    subject_type: str,
    subject_id: uuid.UUID,
    action: str,
    due_at: datetime,
) -> None:
    """Arm (or move) the subject's timer: at `due_at` the worker records an `action` event.
    One statement: inserted, or the existing one (fired, cancelled, or due another time) made
    pending at `due_at`."""
    now = utcnow()
    connection = await session.connection()
    await connection.execute(
        _ARM[connection.dialect.name],
        {
            "subject_type": subject_type,
            "subject_id": subject_id,
            "action": action,
            "due_at": due_at,
            "status": TimerStatus.PENDING,
            "created_at": now,
            "updated_at": now,
            "fired_at": None,
        },
    )
    wake_after_commit(session)


async def cancel_timer(
    session: AsyncSession, *, subject_type: str, subject_id: uuid.UUID, action: str
) -> bool:
    """Cancel the subject's pending timer; True when one was pending (one statement)."""
    return bool(
        await cancel_timers(
            session, subject_type=subject_type, subject_id=subject_id, actions=[action]
        )
    )


async def cancel_timers(
    session: AsyncSession, *, subject_type: str, subject_id: uuid.UUID, actions: Sequence[str]
) -> int:
    """Cancel the subject's pending timers of these actions; how many were pending (one
    statement)."""
    connection = await session.connection()
    result = await connection.execute(
        _CANCEL,
        {
            "b_subject_type": subject_type,
            "b_subject_id": subject_id,
            "b_actions": list(actions),
            "b_now": utcnow(),
        },
    )
    return int(result.rowcount or 0)


async def list_events(
    session: AsyncSession, *, dead: bool = False, limit: int = 100
) -> Sequence[OutboxEvent]:
    """Pending events (or dead ones), oldest first."""
    status = EventStatus.DEAD if dead else EventStatus.PENDING
    return (
        await session.exec(
            select(OutboxEvent)
            .where(OutboxEvent.status == status)
            .order_by(col(OutboxEvent.created_at), col(OutboxEvent.id))
            .limit(limit)
        )
    ).all()


async def retry_events(
    session: AsyncSession, *, event_ids: Sequence[uuid.UUID] | None = None
) -> int:
    """Put dead events (the given ones, or all of them) back in the queue, due now, with their
    attempts reset; the number requeued."""
    stmt = select(OutboxEvent).where(OutboxEvent.status == EventStatus.DEAD).with_for_update()
    if event_ids is not None:
        stmt = stmt.where(col(OutboxEvent.id).in_(list(event_ids)))
    now = utcnow()
    count = 0
    for event in (await session.exec(stmt)).all():
        event.status = EventStatus.PENDING
        event.attempts = 0
        event.available_at = now
        event.locked_until = None
        event.claim_token = None
        session.add(event)
        count += 1
    if count:
        await session.flush()
        wake_after_commit(session)
    return count


async def purge_finished(session: AsyncSession, *, before: datetime, limit: int = 10_000) -> int:
    """Delete up to `limit` done events handled before `before`, and the finished (fired or
    cancelled) timers last changed before it; the number of rows deleted. Pending and dead
    events, and pending timers, are never touched."""
    events = (
        select(OutboxEvent.id)
        .where(OutboxEvent.status == EventStatus.DONE, col(OutboxEvent.published_at) < before)
        .limit(limit)
    )
    deleted_events = await session.exec(
        sa.delete(OutboxEvent).where(col(OutboxEvent.id).in_(events.scalar_subquery()))
    )
    deleted_timers = await session.exec(
        sa.delete(Timer).where(
            col(Timer.status).in_([TimerStatus.FIRED, TimerStatus.CANCELLED]),
            col(Timer.updated_at) < before,
        )
    )
    return int(deleted_events.rowcount or 0) + int(deleted_timers.rowcount or 0)
