"""Arranging notifications in tests: a member, a message.notify event, the worker, the mails."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import col, select

from c2c_api.broker import InProcessBroker
from c2c_api.db import Database
from c2c_api.events.service import record_event
from c2c_api.events.worker import Worker
from c2c_api.notifications.presence import InProcessPresence, Presence
from c2c_api.notifications.service import MESSAGE_NOTIFY_TOPIC
from c2c_api.users.models import MailMessage, Member
from c2c_api.worker import build_worker
from factories import create_member


async def member(db: Database, **overrides: Any) -> Member:
    async with db.transaction() as session:
        return await create_member(session, **overrides)


def message_payload(recipient: Member, *, thread: str = "t-1", **overrides: Any) -> dict[str, Any]:
    payload = {
        "messageId": str(uuid.uuid4()),
        "threadId": thread,
        "recipientId": str(recipient.id),
        "senderName": "Alice",
        "listingTitle": "Blue bike",
        "excerpt": "Is it still available?",
    }
    payload.update(overrides)
    return payload


async def record_message(db: Database, recipient: Member, **overrides: Any) -> None:
    """What conversations records with each new text message (its contract)."""
    async with db.transaction() as session:
        await record_event(
            session,
            topic=MESSAGE_NOTIFY_TOPIC,
            payload=message_payload(recipient, **overrides),
            member_id=recipient.id,
        )


def worker(db: Database, *, presence: Presence | None = None, **settings: Any) -> Worker:
    merged = db.settings.model_copy(update=settings) if settings else db.settings
    return build_worker(
        merged, db, broker=InProcessBroker(), presence=presence or InProcessPresence()
    )


async def mails_to(db: Database, member: Member) -> list[MailMessage]:
    async with db.sessionmaker() as session:
        rows = await session.exec(
            select(MailMessage)
            .where(MailMessage.to_address == member.email)
            .order_by(col(MailMessage.created_at))
        )
        return list(rows)
