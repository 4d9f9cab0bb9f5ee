"""A real `c2c-api worker` process killed with SIGKILL in the middle of a batch: its events are
still delivered by the next worker; once for database effects, at least once for mail."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from c2c_api.db import Database
from c2c_api.events.models import EventStatus, OutboxEvent
from c2c_api.events.service import schedule_timer
from c2c_api.kit.clock import clock, utcnow
from c2c_api.listings.models import Listing, ListingRevision
from c2c_api.users.mail import SmtpMailer, queue_mail
from c2c_api.users.models import MailMessage, MailStatus
from factories import create_member
from worker_support import app_worker, drain

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "search"))
from search_support import create_listing, seed_categories

C2C_API = str(Path(sys.executable).parent / "c2c-api")
DEADLINE = 60.0
LOG = Path(os.environ.get("TMPDIR", "/tmp")) / "c2c-test-worker.log"


def start_worker(db: Database, **env: str) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ,
        "C2C_DATABASE_URL": db.settings.database_url,
        "C2C_ENV": "test",
        "C2C_LOG_JSON": "false",
        "C2C_WORKER_POLL_INTERVAL": "0.1",
        **env,
    }
    log = open(LOG, "ab")  # noqa: SIM115 (the child writes to it)
    return subprocess.Popen([C2C_API, "worker"], env=environ, stdout=log, stderr=log)


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


async def wait_for(condition: object, what: str) -> None:
    """Poll a condition the test cannot be told about (another process's progress)."""
    start = time.monotonic()
    while time.monotonic() - start < DEADLINE:
        if await condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def done_count(db: Database, topic: str) -> int:
    async with db.sessionmaker() as session:
        rows = (
            await session.exec(
                select(OutboxEvent.id).where(
                    OutboxEvent.topic == topic, OutboxEvent.status == EventStatus.DONE
                )
            )
        ).all()
    return len(rows)


class TestDatabaseEffectsOnce:
    async def test_expiry_events_of_a_killed_worker_are_handled_once(self, db: Database) -> None:
        # SQLite: enough events that the worker is still busy when the test takes the lock.
        count = 12 if not db.settings.is_sqlite else 600
        async with db.transaction() as session:
            await seed_categories(session)
            seller = await create_member(session)
            listings = []
            for _ in range(count):
                listing = await create_listing(
                    session, seller.id, expires_at=utcnow() - timedelta(minutes=1)
                )
                listings.append(listing.id)
                await schedule_timer(
                    session,
                    subject_type="listing",
                    subject_id=listing.id,
                    action="listing.expire",
                    due_at=utcnow() - timedelta(minutes=1),
                )
        assert await app_worker(db, worker_batch_size=1000).fire_due_timers() == count
        if db.settings.is_sqlite:
            await self._kill_between_transactions(db, count)
        else:
            await self._kill_inside_a_transaction(db)
        assert await done_count(db, "listing.expire") < count  # it did not finish

        await drain(app_worker(db))
        async with db.sessionmaker() as session:
            expired = (
                await session.exec(
                    select(ListingRevision.listing_id).where(ListingRevision.action == "expired")
                )
            ).all()
            statuses = set((await session.exec(select(Listing.status))).all())
        assert sorted(expired) == sorted(listings)  # each listing expired exactly once
        assert statuses == {"EXPIRED"}
        assert await done_count(db, "listing.expire") == count

    async def _kill_inside_a_transaction(self, db: Database) -> None:
        """PostgreSQL: the worker blocks on a listing row the test holds, inside its event's
        transaction, after handling the events before it; then it is killed."""
        async with db.sessionmaker() as session:
            events = (
                await session.exec(
                    select(OutboxEvent)
                    .where(OutboxEvent.topic == "listing.expire")
                    .order_by(col(OutboxEvent.available_at), col(OutboxEvent.id))
                )
            ).all()
        held = events[len(events) // 2].payload["subjectId"]
        async with db.engine.connect() as holder:
            await holder.execute(
                sa.text("SELECT id FROM listings WHERE id = :id FOR UPDATE"), {"id": held}
            )
            worker = start_worker(db, C2C_WORKER_CLAIM_BATCH="1")  # one event per transaction
            try:

                async def blocked() -> bool:
                    async with db.engine.connect() as conn:
                        n = await conn.scalar(
                            sa.text(
                                "SELECT count(*) FROM pg_stat_activity"
                                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                            )
                        )
                        await conn.rollback()
                    return bool(n)

                await wait_for(blocked, "the worker to block on the held listing")
                assert await done_count(db, "listing.expire") == len(events) // 2
            finally:
                kill(worker)
            await holder.rollback()

    async def _kill_between_transactions(self, db: Database, count: int) -> None:
        """SQLite: once the worker has handled some events, the test takes the write lock, so
        the worker waits for it between two events; then it is killed."""
        worker = start_worker(db, C2C_WORKER_CLAIM_BATCH="1")
        path = db.settings.database_url.split(":///", 1)[1]
        lock = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:

            async def started() -> bool:
                return await done_count(db, "listing.expire") > 0

            await wait_for(started, "the worker to handle a first event")
            lock.execute("BEGIN IMMEDIATE")
            kill(worker)
            lock.execute("ROLLBACK")
        finally:
            if worker.poll() is None:
                kill(worker)
            lock.close()


class GatedInbox:
    """An SMTP server that accepts `open_for` messages, then holds the next one."""

    def __init__(self, open_for: int) -> None:
        self.open_for = open_for
        self.messages: list[Message] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if len(self.messages) >= self.open_for and not self.release.is_set():
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        content = envelope.content  # type: ignore[attr-defined]
        raw = content if isinstance(content, bytes) else content.encode()
        self.messages.append(email.message_from_bytes(raw))
        return "250 OK"


@pytest.fixture
def gated_smtp() -> Iterator[tuple[GatedInbox, int]]:
    inbox = GatedInbox(open_for=2)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        inbox.release.set()
        controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestMailAtLeastOnce:
    async def test_mail_of_a_killed_worker_is_delivered(
        self, db: Database, gated_smtp: tuple[GatedInbox, int]
    ) -> None:
        inbox, port = gated_smtp
        async with db.transaction() as session:
            queued = [
                await queue_mail(session, to=f"m{i}@example.com", subject="Hi", body_text="x")
                for i in range(5)
            ]
        worker = start_worker(
            db,
            C2C_MAILER="smtp",
            C2C_SMTP_PORT=str(port),
            C2C_MAIL_FROM="c2c <no-reply@example.com>",
        )
        try:
            await asyncio.to_thread(inbox.holding.wait, DEADLINE)
            assert inbox.holding.is_set(), "the worker never reached the third message"
        finally:
            kill(worker)  # while the SMTP server holds the third message
        inbox.release.set()
        assert await done_count(db, "mail.send") == 2
        # The killed worker's lease runs out; the next worker takes the message over.
        clock.freeze(utcnow() + timedelta(minutes=5))
        mailer = SmtpMailer(host="127.0.0.1", port=port, sender="c2c <no-reply@example.com>")
        await drain(app_worker(db, mailer=mailer))
        async with db.sessionmaker() as session:
            statuses = (await session.exec(select(MailMessage.status))).all()
        assert set(statuses) == {MailStatus.SENT}
        assert await done_count(db, "mail.send") == 5
        ids = [m["Message-ID"] for m in inbox.messages]
        # Every message arrived; the one held during the kill may have arrived twice, with the
        # same Message-ID (at least once).
        assert set(ids) == {f"<{m.id.hex}@example.com>" for m in queued}
        assert len(ids) - len(set(ids)) <= 1
