"""Outgoing e-mail: MailMessage rows (the mail's record), mailers, and the outbox handler.

    queue_mail(session, ...)   writes a PENDING MailMessage and a "mail.send" outbox event in
                               the caller's transaction
    MailDelivery(db, mailer)   the "mail.send" handler (leased: no transaction is open while the
                               mailer talks to the SMTP server); the outbox worker runs it

A message is never lost: it stays PENDING until the mailer accepted it; the outbox retries a
failed attempt with backoff and, after `C2C_OUTBOX_MAX_ATTEMPTS`, dead-letters the event and the
message is FAILED (`c2c-api mail retry ID` or `c2c-api outbox retry` sends it again). Delivery is
at least once: a crash between the SMTP server's acceptance and the next commit sends the
message again, with the same Message-ID (derived from the message's id) so it can be recognised.
"""

from __future__ import annotations

import asyncio
import email.policy
import logging
import re
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent
from c2c_api.events.service import record_event
from c2c_api.kit.clock import utcnow
from c2c_api.users.models import MailMessage, MailStatus

log = logging.getLogger(__name__)

MAIL_TOPIC = "mail.send"
_RAW_HEADER = re.compile(r"[!-9;-~]{1,76}")
_RAW_VALUE = re.compile(r"[ -~]{1,900}")
# Extra headers are written as given, on one line (up to RFC 5322's 998 characters): the
# default policy would fold a long URL into RFC 2047 encoded words, which breaks the
# List-Unsubscribe URL for mail clients.
_POLICY = email.policy.default.clone(refold_source="none")


async def queue_mail(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    body_text: str,
    headers: Mapping[str, str] | None = None,
) -> MailMessage:
    """Write a message to the outbox in the caller's transaction; it is sent after commit.

    `headers`: extra header fields sent as they are (List-Unsubscribe of notifications):
    printable ASCII on one line (ValueError otherwise, in the caller's transaction)."""
    for name, value in (headers or {}).items():
        if not _RAW_HEADER.fullmatch(name) or not _RAW_VALUE.fullmatch(value):
            raise ValueError(f"header {name!r} must be printable ASCII on one line")
    message = MailMessage(
        to_address=to,
        subject=subject,
        body_text=body_text,
        headers=dict(headers) if headers else None,
    )
    session.add(message)
    await session.flush()
    await record_event(session, topic=MAIL_TOPIC, payload={"mailId": str(message.id)})
    return message


def message_id_header(message: MailMessage, sender: str) -> str:
    """`<id@domain>`: the same for every attempt to send this message."""
    _name, address = parseaddr(sender)
    domain = address.rpartition("@")[2] or "localhost"
    return f"<{message.id.hex}@{domain}>"


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
        email = EmailMessage(policy=_POLICY)
        email["From"] = self.sender
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email["Date"] = format_datetime(message.created_at)
        # Stable across attempts: a message sent twice (at least once) is recognisably the same.
        email["Message-ID"] = message_id_header(message, self.sender)
        for name, value in (message.headers or {}).items():
            email.set_raw(name, value)
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


class MailDelivery:
    """The "mail.send" handler: hands the message to the mailer with no transaction open.

    Idempotent: a message that is no longer PENDING (or FAILED, being retried) is skipped. The
    status is written after the mailer accepted the message; the outbox then marks the event
    done (a redelivered event finds the message SENT and skips it).
    """

    def __init__(self, db: Database, mailer: Mailer, *, max_attempts: int) -> None:
        self.db = db
        self.mailer = mailer
        self.max_attempts = max_attempts

    async def __call__(self, event: OutboxEvent) -> None:
        message_id = uuid.UUID(str(event.payload["mailId"]))
        async with self.db.sessionmaker() as session:
            message = await session.get(MailMessage, message_id)
        if message is None or message.status not in (MailStatus.PENDING, MailStatus.FAILED):
            return
        try:
            status = await self.mailer.send(message)
        except Exception as exc:
            async with self.db.transaction() as session:
                row = await session.get(MailMessage, message_id, with_for_update=True)
                if row is not None:
                    row.attempts += 1
                    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    if event.attempts >= self.max_attempts:
                        row.status = MailStatus.FAILED
                    session.add(row)
            raise
        async with self.db.transaction() as session:
            row = await session.get(MailMessage, message_id, with_for_update=True)
            if row is not None:
                row.attempts += 1
                row.status = status
                row.sent_at = utcnow()
                row.last_error = None
                session.add(row)


async def retry_mail(session: AsyncSession, *, message_id: uuid.UUID) -> MailMessage | None:
    """Send a FAILED message again (a new "mail.send" event, due now); None when unknown."""
    message = await session.get(MailMessage, message_id)
    if message is None:
        return None
    if message.status == MailStatus.FAILED:
        message.status = MailStatus.PENDING
        message.attempts = 0
        session.add(message)
        await session.flush()
        await record_event(session, topic=MAIL_TOPIC, payload={"mailId": str(message.id)})
    return message
