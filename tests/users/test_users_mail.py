"""The mail outbox: queued in the transaction, delivered after commit, never lost."""

from __future__ import annotations

import asyncio
import email
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.kit.clock import clock, utcnow
from c2c_api.users.mail import (
    MAX_ATTEMPTS,
    DatabaseMailer,
    MailWorker,
    SmtpMailer,
    build_mailer,
    deliver_pending,
    queue_mail,
    retry_mail,
)
from c2c_api.users.models import MailMessage, MailStatus


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


class TestDatabaseMailer:
    async def test_marks_messages_stored(self, db: Database) -> None:
        message = await queue(db)
        assert await deliver_pending(db, DatabaseMailer()) == 1
        stored = await reload(db, message)
        assert stored.status == MailStatus.STORED
        assert stored.sent_at is not None
        assert await deliver_pending(db, DatabaseMailer()) == 0

    async def test_is_the_default(self, settings: Settings) -> None:
        assert isinstance(build_mailer(settings), DatabaseMailer)
        smtp = build_mailer(settings.model_copy(update={"mailer": "smtp"}))
        assert isinstance(smtp, SmtpMailer)


class TestSmtpMailer:
    async def test_delivers_to_a_real_smtp_server(
        self, db: Database, smtp_server: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp_server
        message = await queue(db, to="bob@example.com", subject="Réinitialisez")
        mailer = SmtpMailer(host="127.0.0.1", port=port, sender="c2c <no-reply@example.com>")
        assert await deliver_pending(db, mailer) == 1
        [(recipients, received)] = inbox.messages
        assert recipients == ["bob@example.com"]
        assert received["From"] == "c2c <no-reply@example.com>"
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
        assert await deliver_pending(db, down) == 0
        failed = await reload(db, message)
        assert failed.status == MailStatus.PENDING
        assert failed.attempts == 1
        assert failed.last_error
        assert failed.next_attempt_at is not None
        # Not due yet: nothing is sent even when the server is back.
        up = SmtpMailer(host="127.0.0.1", port=port, sender="x@example.com")
        assert await deliver_pending(db, up) == 0
        clock.freeze(utcnow() + timedelta(hours=2))
        assert await deliver_pending(db, up) == 1
        assert len(inbox.messages) == 1
        sent = await reload(db, message)
        assert (sent.status, sent.attempts, sent.last_error) == (MailStatus.SENT, 2, None)

    async def test_gives_up_after_the_last_attempt_and_can_be_retried(self, db: Database) -> None:
        message = await queue(db)
        down = SmtpMailer(host="127.0.0.1", port=free_port(), sender="x@example.com", timeout=2)
        for _ in range(MAX_ATTEMPTS):
            clock.freeze(utcnow() + timedelta(days=1))
            await deliver_pending(db, down)
        failed = await reload(db, message)
        assert (failed.status, failed.attempts) == (MailStatus.FAILED, MAX_ATTEMPTS)
        async with db.transaction() as session:
            await retry_mail(session, message_id=message.id)
        assert await deliver_pending(db, DatabaseMailer()) == 1


class TestMailWorker:
    async def test_delivers_soon_after_the_commit(self, db: Database) -> None:
        worker = MailWorker(db, DatabaseMailer(), interval=60)
        worker.start()
        try:
            await asyncio.sleep(0.1)  # the first (empty) round
            message = await queue(db)
            for _ in range(50):
                if (await reload(db, message)).status == MailStatus.STORED:
                    break
                await asyncio.sleep(0.05)
            assert (await reload(db, message)).status == MailStatus.STORED
        finally:
            await worker.stop()
        assert not worker.running

    async def test_a_rolled_back_message_is_never_sent(
        self, db: Database, session: AsyncSession
    ) -> None:
        await queue_mail(session, to="a@example.com", subject="s", body_text="b")
        await session.rollback()
        assert await deliver_pending(db, DatabaseMailer()) == 0
