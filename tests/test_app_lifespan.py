"""The served app runs the outbox worker in-process (embedded default) and delivers mail after
commit; with PostgreSQL it leaves that to `c2c-api worker` unless told otherwise."""

import asyncio

from sqlmodel import select

from c2c_api.app import create_app
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.users.mail import queue_mail
from c2c_api.users.models import MailMessage, MailStatus


async def test_mail_queued_in_a_request_is_delivered_by_the_worker(
    db: Database, settings: Settings
) -> None:
    app = create_app(settings.model_copy(update={"worker_in_process": True}), db=db)
    async with app.router.lifespan_context(app):
        assert app.state.worker.running
        async with db.transaction() as session:
            await queue_mail(session, to="someone@example.com", subject="Hi", body_text="Hello")
        # The commit wakes the worker: no poll interval to wait for.
        for _ in range(50):
            async with db.sessionmaker() as session:
                message = (await session.exec(select(MailMessage))).one()
            if message.status != MailStatus.PENDING:
                break
            await asyncio.sleep(0.1)
    # The development mailer keeps delivered mail readable (`c2c-api mail list`).
    assert message.status == MailStatus.STORED
    assert not app.state.worker.running


async def test_the_in_process_worker_follows_the_database_unless_set(settings: Settings) -> None:
    assert settings.model_copy(update={"worker_in_process": False}).runs_worker_in_process is False
    sqlite = settings.model_copy(update={"database_url": "sqlite+aiosqlite:///x.sqlite3"})
    assert sqlite.runs_worker_in_process is True
    pg = settings.model_copy(update={"database_url": "postgresql+asyncpg://h/db"})
    assert pg.runs_worker_in_process is False
