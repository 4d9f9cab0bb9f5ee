"""Receiving provider webhooks: verify, record once, keep order, dispatch to the handler.

    receive_webhook(db, provider, headers, body)   the use case (REST route, sandbox delivery)
    apply_webhook(session, event)                  its transaction: record + order + dispatch
    register_webhook_handler(event_type, handler)  who acts on `charge.succeeded`, ...

Rules (docs/payments-provider.md, "Webhooks"):
- a forged, unsigned or stale signature is refused before anything is written;
- an event id already recorded (a replay, or the same event delivered twice at once) answers
  "duplicate" with no effect: the (provider, event_id) unique key decides, also under a race;
- an event whose sequence is not above the highest processed for its object (provider,
  object_ref) answers "stale" with no effect (it arrived after a later one);
- otherwise the handler registered for its type runs in the same transaction as the record,
  so both commit or neither does (a handler raising a DomainError rolls the record back: the
  provider retries later and the retry is processed); a type with no handler is "ignored".
No network call happens here: providers want an answer within seconds (Mangopay: 2 s).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.payments.models import PaymentWebhookEvent, PaymentWebhookObject
from c2c_api.payments.providers import PaymentProvider, WebhookEvent

log = logging.getLogger(__name__)

WebhookHandler = Callable[[AsyncSession, WebhookEvent], Awaitable[str]]

PROCESSED = "processed"
IGNORED = "ignored"
DUPLICATE = "duplicate"
STALE = "stale"

_HANDLERS: dict[str, WebhookHandler] = {}


def register_webhook_handler(event_type: str, handler: WebhookHandler) -> None:
    """Let `handler` act on every in-order, first-seen event of `event_type`; it runs in the
    webhook's transaction (flush, never commit) and answers its outcome ("processed", ...,
    at most 32 characters). One handler per type."""
    current = _HANDLERS.get(event_type)
    if current is not None and current is not handler:
        raise ValueError(f"a webhook handler is already registered for {event_type!r}")
    _HANDLERS[event_type] = handler


def unregister_webhook_handler(event_type: str) -> None:
    """Forget the handler of `event_type` (tests, reloads)."""
    _HANDLERS.pop(event_type, None)


def webhook_handler(event_type: str) -> WebhookHandler | None:
    """The handler registered for `event_type`, if any."""
    return _HANDLERS.get(event_type)


@dataclass(frozen=True)
class WebhookReceipt:
    """What became of a webhook: processed (or the handler's outcome), ignored, duplicate, stale."""

    status: str
    event_id: str

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "eventId": self.event_id}


async def receive_webhook(
    db: Database, provider: PaymentProvider, headers: Mapping[str, str], body: bytes
) -> WebhookReceipt:
    """Verify a provider's webhook, then record and apply it in one transaction."""
    event = provider.parse_webhook(headers, body, now=utcnow())
    async with db.transaction() as session:
        receipt = await apply_webhook(session, event)
    log.info(
        "webhook %s %s (%s %s #%d): %s",
        event.provider,
        event.event_id,
        event.type,
        event.object_ref,
        event.sequence,
        receipt.status,
    )
    return receipt


async def apply_webhook(session: AsyncSession, event: WebhookEvent) -> WebhookReceipt:
    """Record a verified event once, in order, and run its handler (in the caller's
    transaction)."""
    record = PaymentWebhookEvent(
        provider=event.provider,
        event_id=event.event_id,
        type=event.type,
        object_ref=event.object_ref,
        sequence=event.sequence,
        occurred_at=event.occurred_at,
        received_at=utcnow(),
        outcome="received",
    )
    try:
        # On PostgreSQL a second delivery of an event being processed waits here for the first
        # transaction: a duplicate once it commits, the one to process if it rolls back.
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError:
        return WebhookReceipt(DUPLICATE, event.event_id)

    if not await _advance_sequence(session, event):
        record.outcome = STALE
        session.add(record)
        await session.flush()
        return WebhookReceipt(STALE, event.event_id)

    handler = _HANDLERS.get(event.type)
    outcome = IGNORED if handler is None else (await handler(session, event))[:32]
    record.outcome = outcome
    session.add(record)
    await session.flush()
    return WebhookReceipt(outcome, event.event_id)


async def _advance_sequence(session: AsyncSession, event: WebhookEvent) -> bool:
    """Move the object's highest processed sequence to the event's; False when the event is
    not above it (stale). The object's row stays locked until the transaction ends, so events
    about one object are applied one at a time."""
    key = (event.provider, event.object_ref)
    seen = await session.get(PaymentWebhookObject, key, with_for_update=True)
    if seen is None:
        try:
            async with session.begin_nested():
                session.add(
                    PaymentWebhookObject(
                        provider=event.provider,
                        object_ref=event.object_ref,
                        last_sequence=event.sequence,
                        updated_at=utcnow(),
                    )
                )
                await session.flush()
            return True
        except IntegrityError:
            # Another event about the same object inserted it meanwhile: lock theirs.
            seen = await session.get(
                PaymentWebhookObject, key, with_for_update=True, populate_existing=True
            )
            assert seen is not None
    if event.sequence <= seen.last_sequence:
        return False
    seen.last_sequence = event.sequence
    seen.updated_at = utcnow()
    session.add(seen)
    await session.flush()
    return True
