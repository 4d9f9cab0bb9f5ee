"""The message.notify handler: an e-mail to a recipient who is not connected, in their
language, with the conversation's link and an unsubscribe link; none when they are connected
or turned MESSAGE_RECEIVED off; at most one per thread per C2C_NOTIFICATION_COALESCE_MINUTES."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from c2c_api.db import Database
from c2c_api.events.models import EventStatus, OutboxEvent
from c2c_api.kit.clock import clock
from c2c_api.notifications import service
from c2c_api.notifications.models import NotificationType, ThreadNotification
from c2c_api.notifications.presence import InProcessPresence
from c2c_api.notifications.service import MESSAGE_NOTIFY_TOPIC
from factories import member_actor
from notifications_support import mails_to, member, message_payload, record_message, worker
from worker_support import drain

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def events_done(db: Database) -> list[EventStatus]:
    async with db.sessionmaker() as session:
        rows = await session.exec(
            select(OutboxEvent).where(OutboxEvent.topic == MESSAGE_NOTIFY_TOPIC)
        )
        return [e.status for e in rows]


class TestSends:
    async def test_an_email_in_english_with_links(self, db: Database) -> None:
        bob = await member(db)
        await record_message(db, bob, thread="thr-42")
        await drain(worker(db, public_web_url="https://shop.example"))
        [mail] = await mails_to(db, bob)
        assert mail.subject == "New message from Alice about Blue bike"
        assert "Is it still available?" in mail.body_text
        assert "https://shop.example/conversations/thr-42" in mail.body_text
        assert mail.headers is not None
        unsubscribe = mail.headers["List-Unsubscribe"].strip("<>")
        assert unsubscribe.startswith(f"{db.settings.issuer}/v1/notifications/unsubscribe?token=")
        assert unsubscribe in mail.body_text
        assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    async def test_in_the_recipients_language(self, db: Database) -> None:
        bob = await member(db, locale="fr")
        await record_message(db, bob)
        await drain(worker(db))
        [mail] = await mails_to(db, bob)
        assert mail.subject == "Nouveau message de Alice à propos de Blue bike"
        assert "Lire et répondre" in mail.body_text
        assert f"{db.settings.issuer}/conversations/t-1" in mail.body_text  # no web URL: issuer

    async def test_header_breaking_names_are_flattened(self, db: Database) -> None:
        bob = await member(db)
        await record_message(db, bob, senderName="Eve\r\nBcc: x@evil.example", listingTitle="x")
        await drain(worker(db))
        [mail] = await mails_to(db, bob)
        assert "\n" not in mail.subject and "\r" not in mail.subject

    async def test_the_excerpt_is_at_most_200_characters(self, db: Database) -> None:
        bob = await member(db)
        await record_message(db, bob, excerpt="x" * 500)
        await drain(worker(db))
        [mail] = await mails_to(db, bob)
        assert "x" * 200 in mail.body_text and "x" * 201 not in mail.body_text


class TestSkips:
    async def test_no_email_while_the_recipient_is_connected(self, db: Database) -> None:
        bob = await member(db)
        presence = InProcessPresence()
        await presence.connect(bob.id, "c1", ttl=60)
        await record_message(db, bob)
        await drain(worker(db, presence=presence))
        assert await mails_to(db, bob) == []
        assert await events_done(db) == [EventStatus.DONE]
        await presence.disconnect(bob.id, "c1")
        await record_message(db, bob, thread="t-2")
        await drain(worker(db, presence=presence))
        assert len(await mails_to(db, bob)) == 1

    async def test_no_email_when_message_received_is_off(self, db: Database) -> None:
        bob = await member(db)
        async with db.transaction() as session:
            await service.set_preference(
                session, member_actor(bob), type=NotificationType.MESSAGE_RECEIVED, email=False
            )
        await record_message(db, bob)
        await drain(worker(db))
        assert await mails_to(db, bob) == []

    async def test_a_malformed_payload_is_done_without_an_email(self, db: Database) -> None:
        bob = await member(db)
        await record_message(db, bob, recipientId="not-a-uuid")
        await drain(worker(db))
        assert await mails_to(db, bob) == []
        assert await events_done(db) == [EventStatus.DONE]

    async def test_an_unknown_recipient_gets_nothing(self, db: Database) -> None:
        bob = await member(db)
        await record_message(db, bob, recipientId="00000000-0000-0000-0000-000000000000")
        await drain(worker(db))
        assert await events_done(db) == [EventStatus.DONE]


class TestCoalescing:
    async def test_one_email_per_thread_per_window(self, db: Database) -> None:
        bob = await member(db)
        clock.freeze(T0)
        for _ in range(3):
            await record_message(db, bob)
        await drain(worker(db))
        assert len(await mails_to(db, bob)) == 1
        async with db.sessionmaker() as session:
            [row] = (await session.exec(select(ThreadNotification))).all()
        assert row.coalesced == 2

        clock.freeze(T0 + timedelta(minutes=14))
        await record_message(db, bob)
        await drain(worker(db))
        assert len(await mails_to(db, bob)) == 1  # still within 15 minutes of the first

        clock.freeze(T0 + timedelta(minutes=15))
        await record_message(db, bob)
        await drain(worker(db))
        assert len(await mails_to(db, bob)) == 2

    async def test_threads_are_coalesced_separately(self, db: Database) -> None:
        bob = await member(db)
        await record_message(db, bob, thread="a")
        await record_message(db, bob, thread="b")
        await record_message(db, bob, thread="a")
        await drain(worker(db))
        assert len(await mails_to(db, bob)) == 2

    async def test_zero_minutes_turns_coalescing_off(self, db: Database) -> None:
        bob = await member(db)
        clock.freeze(T0)
        await record_message(db, bob)
        await record_message(db, bob)
        await drain(worker(db, notification_coalesce_minutes=0))
        assert len(await mails_to(db, bob)) == 2


class TestRaces:
    @pytest.mark.parametrize("first_time", [True, False])
    async def test_two_workers_on_one_thread_send_one_email(
        self, db: Database, first_time: bool
    ) -> None:
        """Two events of one thread handled at once, in two transactions (two connections on
        PostgreSQL): one e-mail, whether the thread was e-mailed before or not."""
        bob = await member(db)
        clock.freeze(T0)
        if not first_time:
            async with db.transaction() as session:
                session.add(
                    ThreadNotification(
                        member_id=bob.id, thread_id="t-1", last_sent_at=T0 - timedelta(hours=1)
                    )
                )
        presence = InProcessPresence()

        async def handle() -> None:
            event = OutboxEvent(topic=MESSAGE_NOTIFY_TOPIC, payload=message_payload(bob))
            connected = await service.recipient_connected(event, presence=presence)
            async with db.transaction() as session:
                await service.notify_message(
                    session, event, settings=db.settings, connected=connected
                )

        await asyncio.gather(handle(), handle(), handle())
        assert len(await mails_to(db, bob)) == 1
