"""Webhook bodies and a recording handler for the payments provider tests."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent
from c2c_api.events.service import record_event
from c2c_api.payments.models import PaymentWebhookEvent
from c2c_api.payments.providers import WebhookEvent, WebhookType
from c2c_api.payments.webhooks import (
    WebhookHandler,
    register_webhook_handler,
    unregister_webhook_handler,
    webhook_handler,
)

EFFECT_TOPIC = "test.payment_webhook_effect"


def event_body(
    *,
    event_id: str = "evt_1",
    type: str = "charge.succeeded",
    object_ref: str = "sbx_ch_test",
    sequence: int = 1,
    occurred_at: datetime,
    data: dict[str, Any] | None = None,
) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "type": type,
            "object": object_ref,
            "sequence": sequence,
            "occurredAt": occurred_at.isoformat(),
            "data": data or {},
        }
    ).encode()


async def record_effect(session: AsyncSession, event: WebhookEvent) -> str:
    """A handler whose effect is a row, committed (or rolled back) with the webhook's record."""
    await record_event(
        session,
        topic=EFFECT_TOPIC,
        payload={"eventId": event.event_id, "type": event.type, "object": event.object_ref},
    )
    return "processed"


@contextmanager
def handlers_for_every_type(
    handler: WebhookHandler = record_effect, *, types: Iterable[str] | None = None
) -> Iterator[None]:
    """`handler` on every webhook type (or on `types`) in place of the application's own
    (orders' and the wallet's), which are put back afterwards."""
    names = [t.value for t in WebhookType] if types is None else list(types)
    saved = {name: webhook_handler(name) for name in names}
    for name in names:
        unregister_webhook_handler(name)
        register_webhook_handler(name, handler)
    try:
        yield
    finally:
        for name, previous in saved.items():
            unregister_webhook_handler(name)
            if previous is not None:
                register_webhook_handler(name, previous)


async def effects(db: Database) -> list[dict[str, Any]]:
    """The payloads of the recording handler's effects, oldest first."""
    async with db.sessionmaker() as s:
        rows = await s.exec(
            select(OutboxEvent)
            .where(OutboxEvent.topic == EFFECT_TOPIC)
            .order_by(col(OutboxEvent.created_at))
        )
        return [r.payload for r in rows.all()]


async def recorded_events(db: Database) -> list[PaymentWebhookEvent]:
    async with db.sessionmaker() as s:
        rows = await s.exec(select(PaymentWebhookEvent).order_by(col(PaymentWebhookEvent.sequence)))
        return list(rows.all())


async def count(db: Database, model: type[Any]) -> int:
    async with db.sessionmaker() as s:
        return int((await s.exec(select(func.count()).select_from(model))).one())
