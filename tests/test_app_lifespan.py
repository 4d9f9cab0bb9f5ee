"""The served app starts its mail worker and delivers queued mail after commit."""

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
    app = create_app(settings, db=db)
    async with app.router.lifespan_context(app):
        assert app.state.mail_worker.running
        async with db.transaction() as session:
            await queue_mail(session, to="someone@example.com", subject="Hi", body_text="Hello")
        for _ in range(50):
            async with db.sessionmaker() as session:
                message = (await session.exec(select(MailMessage))).one()
            if message.status != MailStatus.PENDING:
                break
            await asyncio.sleep(0.1)
    # The development mailer keeps delivered mail readable (`c2c-api mail list`).
    assert message.status == MailStatus.STORED
    assert not app.state.mail_worker.running
