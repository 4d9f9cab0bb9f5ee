"""`c2c-api outbox …`: the operator's view of the outbox (list, retry dead letters)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import click

from c2c_api.db import Database
from c2c_api.events.models import OutboxEvent
from c2c_api.events.service import list_events, purge_finished, retry_events


@click.group("outbox")
def outbox() -> None:
    """Outbox events: list pending or dead ones, retry dead ones."""


@outbox.command("list")
@click.option("--dead", is_flag=True, help="Dead letters instead of pending events.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
def outbox_list(dead: bool, limit: int) -> None:
    """Pending events (or dead letters), oldest first."""
    from c2c_api.kit.commands import load_settings, run

    async def go() -> Sequence[OutboxEvent]:
        db = Database(load_settings())
        try:
            async with db.sessionmaker() as session:
                return await list_events(session, dead=dead, limit=limit)
        finally:
            await db.dispose()

    for event in run(go()):
        error = f"  {event.last_error.splitlines()[0][:120]}" if event.last_error else ""
        click.echo(
            f"{event.id}  {event.created_at.isoformat(timespec='seconds')}  {event.status.value:<7}"
            f"  attempts={event.attempts}  due={event.available_at.isoformat(timespec='seconds')}"
            f"  {event.topic}{error}"
        )


@outbox.command("retry")
@click.argument("ident", required=False)
@click.option("--all-dead", is_flag=True, help="Every dead letter.")
def outbox_retry(ident: str | None, all_dead: bool) -> None:
    """Put a dead event (ID) or every dead event back in the queue, due now."""
    from c2c_api.kit.commands import load_settings, run

    if (ident is None) == (not all_dead):
        raise click.UsageError("give an event ID or --all-dead (not both)")
    ids: list[uuid.UUID] | None = None
    if ident is not None:
        try:
            ids = [uuid.UUID(ident)]
        except ValueError as exc:
            raise click.BadParameter("not an event id", param_hint="ID") from exc

    async def go() -> int:
        db = Database(load_settings())
        try:
            async with db.transaction() as session:
                return await retry_events(session, event_ids=ids)
        finally:
            await db.dispose()

    count = run(go())
    click.echo(f"requeued {count} event(s)")
    if ident is not None and count == 0:
        raise SystemExit(1)


@outbox.command("purge")
@click.option(
    "--older-than-days",
    type=click.IntRange(1, 3650),
    default=30,
    show_default=True,
    help="Keep what finished more recently.",
)
def outbox_purge(older_than_days: int) -> None:
    """Delete done events and finished timers older than N days (batches of 10,000, each its
    own transaction); pending and dead events are kept."""
    from c2c_api.kit.clock import utcnow
    from c2c_api.kit.commands import load_settings, run

    before = utcnow() - timedelta(days=older_than_days)

    async def go() -> int:
        db = Database(load_settings())
        total = 0
        try:
            while True:
                async with db.transaction() as session:
                    deleted = await purge_finished(session, before=before)
                total += deleted
                if deleted == 0:
                    return total
        finally:
            await db.dispose()

    click.echo(f"purged {run(go())} row(s)")
