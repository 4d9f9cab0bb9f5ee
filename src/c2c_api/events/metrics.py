"""Outbox metrics (docs/worker.md): backlog, age of the oldest pending event, outcomes per topic."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from prometheus_client import Counter, Gauge
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.events.models import EventStatus, OutboxEvent
from c2c_api.observability import REGISTRY

BACKLOG = Gauge(
    "c2c_outbox_backlog",
    "Outbox events waiting for delivery (pending), as last seen by this process's worker.",
    registry=REGISTRY,
)
OLDEST_AGE = Gauge(
    "c2c_outbox_oldest_pending_age_seconds",
    "Age of the oldest pending outbox event (0 when none), as last seen by this worker.",
    registry=REGISTRY,
)
DEAD = Gauge(
    "c2c_outbox_dead",
    "Outbox events in the dead-letter state, as last seen by this process's worker.",
    registry=REGISTRY,
)
HANDLED = Counter(
    "c2c_outbox_handled",
    "Outbox events handled successfully by this process, by topic.",
    ["topic"],
    registry=REGISTRY,
)
FAILURES = Counter(
    "c2c_outbox_failures",
    "Failed handler attempts in this process, by topic (each retry counts).",
    ["topic"],
    registry=REGISTRY,
)
DEAD_LETTERED = Counter(
    "c2c_outbox_dead_lettered",
    "Events this process moved to the dead-letter state, by topic.",
    ["topic"],
    registry=REGISTRY,
)
TIMERS_FIRED = Counter(
    "c2c_timers_fired",
    "Timers fired by this process, by action.",
    ["action"],
    registry=REGISTRY,
)


async def refresh_gauges(session: AsyncSession, now: datetime) -> None:
    """Read the backlog from the database into the gauges (one statement)."""
    pending = EventStatus.PENDING.value
    dead = EventStatus.DEAD.value
    status = OutboxEvent.__table__.c.status  # type: ignore[attr-defined]
    created = OutboxEvent.__table__.c.created_at  # type: ignore[attr-defined]
    row = (
        await session.exec(
            sa.select(  # type: ignore[call-overload]
                sa.func.count().filter(status == pending),
                sa.func.min(created).filter(status == pending),
                sa.func.count().filter(status == dead),
            ).where(status.in_([pending, dead]))
        )
    ).one()
    BACKLOG.set(int(row[0]))
    oldest: datetime | None = row[1]
    if isinstance(oldest, str):  # aggregate over a TypeDecorator column on SQLite
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    OLDEST_AGE.set(max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0)
    DEAD.set(int(row[2]))
