"""`c2c-api listings …`: scheduled maintenance of listings."""

from __future__ import annotations

from datetime import datetime

import click

from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.listings.service import expire_due_listings


async def expire_listings(
    db: Database, *, now: datetime | None = None, batch_size: int = 500
) -> int:
    """Run expire_due_listings until nothing is due, one transaction per batch; the number of
    listings marked EXPIRED. Rows locked by another run are skipped (PostgreSQL)."""
    now = now or utcnow()
    total = 0
    while True:
        async with db.transaction() as session:
            done = await expire_due_listings(session, now, limit=batch_size)
        total += done
        if done < batch_size:
            return total


@click.group("listings")
def listings() -> None:
    """Listings."""


@listings.command("expire")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1, max=10_000),
    default=500,
    show_default=True,
    help="Listings expired per transaction.",
)
def expire(batch_size: int) -> None:
    """Mark published and paused listings past their end as EXPIRED, once (run it from a
    scheduler, e.g. every minute)."""
    from c2c_api.kit.commands import load_settings, run

    settings = load_settings()

    async def go() -> int:
        db = Database(settings)
        try:
            return await expire_listings(db, batch_size=batch_size)
        finally:
            await db.dispose()

    expired = run(go())
    click.echo(f"expired {expired} listing(s)")


def register(main: click.Group) -> None:
    main.add_command(listings)
