"""Outgoing e-mail: an outbox in the database, mailers, and a worker that delivers after commit.

    queue_mail(session, ...)      writes a PENDING MailMessage in the caller's transaction
    deliver_pending(db, mailer)   hands PENDING messages to the mailer, one transaction each
    MailWorker(db, mailer)        runs deliver_pending in the background (app lifespan);
                                  a commit that queued mail wakes it up at once

A message is never lost: it stays PENDING until the mailer accepted it, failures are counted
with the error and retried with backoff, and after `MAX_ATTEMPTS` it is FAILED (kept, and
`c2c-api mail retry ID` puts it back in the queue). Delivery is at least once: a crash between
the SMTP server's acceptance and the commit sends the message again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
import uuid
import weakref
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Protocol

from sqlalchemy import event, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.users.models import MailMessage, MailStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY_DELAY = timedelta(seconds=30)
MAX_RETRY_DELAY = timedelta(hours=1)


async def queue_mail(
    session: AsyncSession, *, to: str, subject: str, body_text: str
) -> MailMessage:
    """Write a message to the outbox in the caller's transaction; it is sent after commit."""
    message = MailMessage(to_address=to, subject=subject, body_text=body_text)
    session.add(message)
    await session.flush()
    _kick_workers_after_commit(session)
    return message


class Mailer(Protocol):
    """Hands one message over for delivery; raises on failure. Returns the resulting status."""

    async def send(self, message: MailMessage) -> MailStatus: ...


class DatabaseMailer:
    """Development default: the message stays in the database (`c2c-api mail list` / `show`)."""

    async def send(self, message: MailMessage) -> MailStatus:
        log.info("mail stored", extra={"mail_id": str(message.id), "to": message.to_address})
        return MailStatus.STORED


class SmtpMailer:
    """Sends through an SMTP server (stdlib smtplib, in a worker thread)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )

    def build(self, message: MailMessage) -> EmailMessage:
        """The RFC 5322 message (UTF-8 plain text)."""
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email["Date"] = format_datetime(message.created_at)
        email["Message-ID"] = make_msgid(idstring=message.id.hex)
        email.set_content(message.body_text)
        return email

    def _send_sync(self, email: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)

    async def send(self, message: MailMessage) -> MailStatus:
        await asyncio.to_thread(self._send_sync, self.build(message))
        return MailStatus.SENT


def build_mailer(settings: Settings) -> Mailer:
    """The mailer chosen by `C2C_MAILER` (database or smtp)."""
    if settings.mailer == "smtp":
        return SmtpMailer.from_settings(settings)
    return DatabaseMailer()


def _retry_delay(attempts: int) -> timedelta:
    delay = FIRST_RETRY_DELAY * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_RETRY_DELAY)


async def _pending_ids(db: Database, limit: int) -> list[uuid.UUID]:
    now = utcnow()
    async with db.sessionmaker() as session:
        rows = await session.exec(
            select(MailMessage.id)
            .where(
                MailMessage.status == MailStatus.PENDING,
                or_(
                    col(MailMessage.next_attempt_at).is_(None),
                    col(MailMessage.next_attempt_at) <= now,
                ),
            )
            .order_by(col(MailMessage.created_at), col(MailMessage.id))
            .limit(limit)
        )
        return list(rows)


async def _deliver_one(db: Database, mailer: Mailer, message_id: uuid.UUID) -> bool:
    """Send one message in its own transaction; True when the mailer accepted it."""
    async with db.transaction() as session:
        # On PostgreSQL the row lock keeps concurrent workers off this message (they skip it);
        # on SQLite the write transaction already serialises them.
        message = (
            await session.exec(
                select(MailMessage)
                .where(MailMessage.id == message_id, MailMessage.status == MailStatus.PENDING)
                .with_for_update(skip_locked=True)
            )
        ).first()
        if message is None:
            return False
        try:
            status = await mailer.send(message)
        except Exception as exc:
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = MailStatus.FAILED
                message.next_attempt_at = None
                log.error("mail failed for good", extra={"mail_id": str(message.id)})
            else:
                message.next_attempt_at = utcnow() + _retry_delay(message.attempts)
                log.warning("mail delivery failed, will retry", extra={"mail_id": str(message.id)})
            session.add(message)
            return False
        message.attempts += 1
        message.status = status
        message.sent_at = utcnow()
        message.last_error = None
        message.next_attempt_at = None
        session.add(message)
        return True


async def deliver_pending(db: Database, mailer: Mailer, *, limit: int = 100) -> int:
    """Hand due PENDING messages to the mailer, one transaction each; returns how many went."""
    delivered = 0
    for message_id in await _pending_ids(db, limit):
        if await _deliver_one(db, mailer, message_id):
            delivered += 1
    return delivered


async def retry_mail(session: AsyncSession, *, message_id: uuid.UUID) -> MailMessage | None:
    """Put a FAILED (or PENDING) message back in the queue, due now; None when unknown."""
    message = await session.get(MailMessage, message_id)
    if message is None:
        return None
    if message.status in (MailStatus.FAILED, MailStatus.PENDING):
        message.status = MailStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = None
        session.add(message)
        await session.flush()
        _kick_workers_after_commit(session)
    return message


# Workers running in this process; a commit that queued mail wakes them up.
_running_workers: weakref.WeakSet[MailWorker] = weakref.WeakSet()


def _kick_running_workers(_session: Any) -> None:
    for worker in list(_running_workers):
        worker.kick()


def _kick_workers_after_commit(session: AsyncSession) -> None:
    sync_session = session.sync_session
    if not event.contains(sync_session, "after_commit", _kick_running_workers):
        event.listen(sync_session, "after_commit", _kick_running_workers)


class MailWorker:
    """Delivers queued mail in the background: every `interval` seconds, and soon after a kick.

    Start it in the app's lifespan (`start()` / `await stop()`). A transaction that queued mail
    kicks every running worker of the process when it commits.
    """

    def __init__(
        self, db: Database, mailer: Mailer, *, interval: float = 5.0, batch: int = 100
    ) -> None:
        self.db = db
        self.mailer = mailer
        self.interval = interval
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the background task on the running event loop."""
        if self.running:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = self._loop.create_task(self._run(), name="c2c-mail-worker")
        _running_workers.add(self)

    async def stop(self) -> None:
        """Stop the task (a message being sent finishes its transaction or rolls back)."""
        _running_workers.discard(self)
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def kick(self) -> None:
        """Deliver soon rather than at the next poll (safe from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                while await deliver_pending(self.db, self.mailer, limit=self.batch) >= self.batch:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("mail worker iteration failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
