"""Record domain events in the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.events.models import OutboxEvent


async def record_event(
    session: AsyncSession,
    *,
    topic: str,
    payload: dict[str, Any],
    member_id: uuid.UUID | None = None,
    partner_id: uuid.UUID | None = None,
) -> OutboxEvent:
    """Add an event to the outbox; it is published only if the transaction commits."""
    event = OutboxEvent(topic=topic, payload=payload, member_id=member_id, partner_id=partner_id)
    session.add(event)
    await session.flush()
    return event
