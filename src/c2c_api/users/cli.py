"""`c2c-api mail …` and `c2c-api members …`: development mail box and account administration."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
import sqlalchemy as sa
from sqlmodel import col, select

from c2c_api.db import Database
from c2c_api.errors import DomainError
from c2c_api.users import service
from c2c_api.users.mail import retry_mail
from c2c_api.users.models import MailMessage

T = TypeVar("T")


def with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    """Run `work` with a Database for the configured settings; domain errors exit with 1."""
    from c2c_api.kit.commands import load_settings, run

    async def go() -> T:
        db = Database(load_settings())
        try:
            return await work(db)
        finally:
            await db.dispose()

    try:
        return run(go())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


async def _find_message(db: Database, ident: str) -> MailMessage:
    """A message by id or by a unique prefix of its id (as `mail list` prints it)."""
    async with db.sessionmaker() as session:
        text = ident.strip().lower()
        try:
            found = await session.get(MailMessage, uuid.UUID(text))
        except ValueError:
            found = None
        if found is not None:
            return found
        rows = list(
            await session.exec(
                select(MailMessage).where(
                    sa.cast(col(MailMessage.id), sa.String).like(f"{text.replace('-', '')}%")
                    | sa.cast(col(MailMessage.id), sa.String).like(f"{text}%")
                )
            )
        )
    if len(rows) != 1:
        raise click.ClickException(
            f"no message {ident!r}" if not rows else f"{ident!r} matches several messages"
        )
    return rows[0]


def register(main: click.Group) -> None:
    """Add the `mail` and `members` groups to the CLI."""

    @main.group()
    def mail() -> None:
        """Outgoing e-mail (in development, read it here)."""

    @mail.command("list")
    @click.option("--to", "to", default=None, help="Only messages to this address.")
    @click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
    def mail_list(to: str | None, limit: int) -> None:
        """The latest messages, newest first."""

        async def work(db: Database) -> list[MailMessage]:
            async with db.sessionmaker() as session:
                query = select(MailMessage)
                if to:
                    query = query.where(MailMessage.to_address == to.strip().lower())
                query = query.order_by(col(MailMessage.created_at).desc()).limit(limit)
                return list(await session.exec(query))

        messages = with_database(work)
        if not messages:
            click.echo("no messages")
        for m in messages:
            stamp = m.created_at.strftime("%Y-%m-%d %H:%M:%S")
            click.echo(f"{m.id}  {stamp}  {m.status.value:<7}  {m.to_address}  {m.subject}")

    @mail.command("show")
    @click.argument("ident")
    def mail_show(ident: str) -> None:
        """Print one message (ID or a unique prefix of it), body included."""
        m = with_database(lambda db: _find_message(db, ident))
        click.echo(f"Id:      {m.id}")
        click.echo(f"To:      {m.to_address}")
        click.echo(f"Subject: {m.subject}")
        click.echo(f"Date:    {m.created_at.isoformat()}")
        click.echo(f"Status:  {m.status.value} (attempts: {m.attempts})")
        for name, value in (m.headers or {}).items():
            click.echo(f"{name}: {value}")
        if m.last_error:
            click.echo(f"Error:   {m.last_error}")
        click.echo("")
        click.echo(m.body_text)

    @mail.command("retry")
    @click.argument("ident")
    def mail_retry(ident: str) -> None:
        """Send a failed message again (the outbox worker delivers it)."""

        async def work(db: Database) -> MailMessage | None:
            found = await _find_message(db, ident)
            async with db.transaction() as session:
                return await retry_mail(session, message_id=found.id)

        m = with_database(work)
        click.echo(f"{ident}: {m.status.value if m else 'not found'}")

    @main.group()
    def members() -> None:
        """Member accounts."""

    @members.command("create")
    @click.option("--email", required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--name", "display_name", required=True, help="Display name.")
    @click.option("--locale", default="en", show_default=True, type=click.Choice(["en", "fr"]))
    @click.option("--operator", is_flag=True, help="Platform staff (operator role).")
    def members_create(
        email: str, password: str, display_name: str, locale: str, operator: bool
    ) -> None:
        """Create a member whose e-mail address counts as verified (no e-mail is sent)."""

        async def work(db: Database) -> str:
            async with db.transaction() as session:
                member = await service.create_member(
                    session,
                    email=email,
                    password=password,
                    display_name=display_name,
                    locale=locale,
                    is_operator=operator,
                    email_verified=True,
                )
                return f"{member.id} {member.email}{' (operator)' if operator else ''}"

        click.echo(with_database(work))

    @members.command("set-operator")
    @click.argument("email")
    @click.option("--revoke", is_flag=True, help="Withdraw the operator role instead.")
    def members_set_operator(email: str, revoke: bool) -> None:
        """Give a member the operator role (or withdraw it with --revoke)."""

        async def work(db: Database) -> str:
            async with db.transaction() as session:
                member = await service.set_operator(session, email=email, is_operator=not revoke)
                return f"{member.email}: operator={'yes' if member.is_operator else 'no'}"

        click.echo(with_database(work))
