"""The mail outbox: queued in the transaction, delivered after commit, never lost."""

from __future__ import annotations

import email
import socket
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.events.models import EventStatus, OutboxEvent
from c2c_api.kit.clock import clock, utcnow
from c2c_api.users.mail import (
    MAIL_TOPIC,
    DatabaseMailer,
    MailDelivery,
    SmtpMailer,
    build_mailer,
    queue_mail,
    retry_mail,
)
from c2c_api.users.models import MailMessage, MailStatus
from worker_support import app_worker, drain


class Inbox:
    """aiosmtpd handler keeping what it received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content  # type: ignore[attr-defined]
        raw = content if isinstance(content, bytes) else content.encode()
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(raw)))  # type: ignore[attr-defined]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


async def queue(
    db: Database, to: str = "someone@example.com", subject: str = "Hello"
) -> MailMessage:
    async with db.transaction() as session:
        return await queue_mail(session, to=to, subject=subject, body_text="Bonjour, ça va ?\n")


async def reload(db: Database, message: MailMessage) -> MailMessage:
    async with db.sessionmaker() as session:
        found = await session.get(MailMessage, message.id)
        assert found is not None
        return found


class TestQueueMail:
    async def test_is_part_of_the_callers_transaction(self, db: Database) -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await queue_mail(session, to="a@example.com", subject="s", body_text="b")
                raise RuntimeError("the change failed")
        async with db.sessionmaker() as session:
            assert list(await session.exec(select(MailMessage))) == []

    async def test_waits_as_pending(self, db: Database) -> None:
        message = await queue(db)
        assert (await reload(db, message)).status == MailStatus.PENDING

    async def test_writes_a_mail_event_in_the_same_transaction(self, db: Database) -> None:
        message = await queue(db)
        async with db.sessionmaker() as session:
            events = (await session.exec(select(OutboxEvent))).all()
        assert [(e.topic, e.payload) for e in events] == [(MAIL_TOPIC, {"mailId": str(message.id)})]


class TestDatabaseMailer:
    async def test_marks_messages_stored(self, db: Database) -> None:
        message = await queue(db)
        assert await drain(app_worker(db, mailer=DatabaseMailer())) == 1
        stored = await reload(db, message)
        assert stored.status == MailStatus.STORED
        assert stored.sent_at is not None
        assert await drain(app_worker(db, mailer=DatabaseMailer())) == 0

    async def test_is_the_default(self, settings: Settings) -> None:
        assert isinstance(build_mailer(settings), DatabaseMailer)
        smtp = build_mailer(settings.model_copy(update={"mailer": "smtp"}))
        assert isinstance(smtp, SmtpMailer)


async def open_transactions(db: Database) -> int:
    """Transactions open on the test database right now, from another connection's view."""
    if db.settings.is_sqlite:
        # Any writer holds the lock: BEGIN IMMEDIATE without waiting fails.
        path = db.settings.database_url.split(":///", 1)[1]
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return 0
        except sqlite3.OperationalError:
            return 1
        finally:
            conn.close()
    async with db.engine.connect() as conn:
        count = await conn.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
        )
        await conn.rollback()
    return int(count or 0)


class WatchingMailer(SmtpMailer):
    """A real SMTP mailer that notes, while it sends, how many transactions are open."""

    def __init__(self, db: Database, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.db = db
        self.open_during_send: list[int] = []

    async def send(self, message: MailMessage) -> MailStatus:
        self.open_during_send.append(await open_transactions(self.db))
        return await super().send(message)


class TestSmtpMailer:
    async def test_delivers_to_a_real_smtp_server_with_no_transaction_open(
        self, db: Database, smtp_server: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp_server
        message = await queue(db, to="bob@example.com", subject="Réinitialisez")
        mailer = WatchingMailer(
            db, host="127.0.0.1", port=port, sender="c2c <no-reply@example.com>"
        )
        assert await drain(app_worker(db, mailer=mailer)) == 1
        assert mailer.open_during_send == [0]
        [(recipients, received)] = inbox.messages
        assert recipients == ["bob@example.com"]
        assert received["From"] == "c2c <no-reply@example.com>"
        # Stable: a message sent again after a crash carries the same Message-ID.
        assert received["Message-ID"] == f"<{message.id.hex}@example.com>"
        assert str(email.header.make_header(email.header.decode_header(received["Subject"]))) == (
            "Réinitialisez"
        )
        body = received.get_payload(decode=True)
        assert isinstance(body, bytes)
        text = body.decode(received.get_content_charset() or "utf-8")
        assert text.replace("\r\n", "\n") == "Bonjour, ça va ?\n"
        assert (await reload(db, message)).status == MailStatus.SENT

    async def test_a_failure_is_kept_and_retried_later(
        self, db: Database, smtp_server: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp_server
        message = await queue(db)
        down = SmtpMailer(host="127.0.0.1", port=free_port(), sender="x@example.com", timeout=2)
        assert await app_worker(db, mailer=down).run_once() == 1
        failed = await reload(db, message)
        assert failed.status == MailStatus.PENDING
        assert failed.attempts == 1
        assert failed.last_error
        # Not due yet: nothing is sent even when the server is back.
        up = SmtpMailer(host="127.0.0.1", port=port, sender="x@example.com")
        assert await app_worker(db, mailer=up).run_once() == 0
        clock.freeze(utcnow() + timedelta(hours=2))
        assert await drain(app_worker(db, mailer=up)) == 1
        assert len(inbox.messages) == 1
        sent = await reload(db, message)
        assert (sent.status, sent.attempts, sent.last_error) == (MailStatus.SENT, 2, None)

    async def test_gives_up_after_the_last_attempt_and_can_be_retried(self, db: Database) -> None:
        message = await queue(db)
        down = SmtpMailer(host="127.0.0.1", port=free_port(), sender="x@example.com", timeout=2)
        worker = app_worker(db, mailer=down, outbox_max_attempts=3)
        for _ in range(3):
            clock.freeze(utcnow() + timedelta(days=1))
            await worker.run_once()
        failed = await reload(db, message)
        assert (failed.status, failed.attempts) == (MailStatus.FAILED, 3)
        async with db.sessionmaker() as session:
            [event] = (await session.exec(select(OutboxEvent))).all()
        assert (event.status, event.attempts) == (EventStatus.DEAD, 3)
        async with db.transaction() as session:
            await retry_mail(session, message_id=message.id)
        assert await drain(app_worker(db, mailer=DatabaseMailer())) == 1
        assert (await reload(db, message)).status == MailStatus.STORED

    async def test_a_message_already_sent_is_not_sent_again(
        self, db: Database, smtp_server: tuple[Inbox, int]
    ) -> None:
        """A redelivered event (a lease that ran out after the send) finds the message SENT."""
        inbox, port = smtp_server
        message = await queue(db)
        mailer = SmtpMailer(host="127.0.0.1", port=port, sender="x@example.com")
        await drain(app_worker(db, mailer=mailer))
        async with db.sessionmaker() as session:
            [event] = (await session.exec(select(OutboxEvent))).all()
        await MailDelivery(db, mailer, max_attempts=8)(event)
        assert len(inbox.messages) == 1
        assert (await reload(db, message)).status == MailStatus.SENT


class TestRollback:
    async def test_a_rolled_back_message_is_never_sent(
        self, db: Database, session: AsyncSession
    ) -> None:
        await queue_mail(session, to="a@example.com", subject="s", body_text="b")
        await session.rollback()
        assert await drain(app_worker(db, mailer=DatabaseMailer())) == 0
        async with db.sessionmaker() as read:
            assert (await read.exec(select(MailMessage))).all() == []
