"""`c2c-api idempotency purge`: delete expired idempotency keys (run it daily, e.g. from cron)."""

from __future__ import annotations

import click

from c2c_api.db import Database
from c2c_api.idempotency.service import purge_expired


@click.group("idempotency")
def idempotency() -> None:
    """Idempotency keys of money-moving operations (docs/idempotency.md)."""


@idempotency.command("purge")
def idempotency_purge() -> None:
    """Delete keys past their lifetime (C2C_IDEMPOTENCY_TTL_HOURS after their answer), in
    batches of 10,000, each its own transaction; claims still running are kept."""
    from c2c_api.kit.clock import utcnow
    from c2c_api.kit.commands import load_settings, run

    now = utcnow()

    async def go() -> int:
        db = Database(load_settings())
        total = 0
        try:
            while True:
                async with db.transaction() as session:
                    deleted = await purge_expired(session, now=now)
                total += deleted
                if deleted == 0:
                    return total
        finally:
            await db.dispose()

    click.echo(f"purged {run(go())} key(s)")


def register(main: click.Group) -> None:
    main.add_command(idempotency)
