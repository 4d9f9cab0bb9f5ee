"""Full circle over a real SMTP server: a new-message e-mail arrives with List-Unsubscribe and
List-Unsubscribe-Post; the mail client's one-click POST to that URL turns the type off; the
next message is not e-mailed. Concurrent unsubscribes of one link leave one row (PostgreSQL
runs them on separate connections at once)."""

from __future__ import annotations

import asyncio
import email
import socket
from collections.abc import Iterator
from email.message import Message
from urllib.parse import urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from c2c_api.broker import InProcessBroker
from c2c_api.db import Database
from c2c_api.notifications.links import UNSUBSCRIBE_PATH, sign_unsubscribe
from c2c_api.notifications.models import NotificationPreference, NotificationType
from c2c_api.notifications.presence import InProcessPresence
from c2c_api.users.mail import SmtpMailer
from c2c_api.worker import build_worker
from notifications_support import member, record_message
from worker_support import drain


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content  # type: ignore[attr-defined]
        raw = content if isinstance(content, bytes) else content.encode()
        self.messages.append(email.message_from_bytes(raw))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


async def test_one_click_unsubscribe_from_a_received_email(
    db: Database, client: httpx.AsyncClient, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    mailer = SmtpMailer(host="127.0.0.1", port=port, sender="c2c <no-reply@example.com>")
    worker = build_worker(
        db.settings, db, broker=InProcessBroker(), mailer=mailer, presence=InProcessPresence()
    )
    bob = await member(db)
    await record_message(db, bob, thread="a")
    await drain(worker)
    [received] = inbox.messages
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = received["List-Unsubscribe"].strip("<>")
    parts = urlsplit(url)
    assert parts.path == UNSUBSCRIBE_PATH
    response = await client.post(
        f"{parts.path}?{parts.query}",
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    await record_message(db, bob, thread="b")  # another thread: not coalesced, but turned off
    await drain(worker)
    assert len(inbox.messages) == 1


async def test_concurrent_unsubscribes_of_one_link(db: Database, client: httpx.AsyncClient) -> None:
    bob = await member(db)
    token = sign_unsubscribe(db.settings, member_id=bob.id, type=NotificationType.ORDER_UPDATED)
    answers = await asyncio.gather(
        *(client.post(UNSUBSCRIBE_PATH, params={"token": token}) for _ in range(5))
    )
    assert [a.status_code for a in answers] == [200] * 5
    async with db.sessionmaker() as session:
        rows = (
            await session.exec(
                select(NotificationPreference).where(NotificationPreference.member_id == bob.id)
            )
        ).all()
    assert [(r.type, r.email) for r in rows] == [(NotificationType.ORDER_UPDATED, False)]


@pytest.mark.parametrize("value", ["a\r\nBcc: x@evil.example", "café", ""])
async def test_extra_headers_are_one_printable_ascii_line(db: Database, value: str) -> None:
    from c2c_api.users.mail import queue_mail

    async with db.transaction() as session:
        with pytest.raises(ValueError):
            await queue_mail(
                session,
                to="a@example.com",
                subject="s",
                body_text="b",
                headers={"List-Unsubscribe": value},
            )
