"""`c2c-api photos …`: maintenance of uploaded photos."""

from __future__ import annotations

import click

from c2c_api.db import Database
from c2c_api.photos.service import ORPHAN_AFTER, delete_orphan_photos
from c2c_api.photos.storage import storage_from_settings


@click.group("photos")
def photos() -> None:
    """Uploaded photos."""


@photos.command("gc")
@click.option(
    "--older-than-hours",
    type=click.IntRange(min=1),
    default=int(ORPHAN_AFTER.total_seconds() // 3600),
    show_default=True,
    help="Delete photos attached to no listing and uploaded more than this long ago.",
)
def gc(older_than_hours: int) -> None:
    """Delete photos never attached to a listing (rows, then their files)."""
    from datetime import timedelta

    from c2c_api.kit.commands import load_settings, run

    settings = load_settings()

    async def go() -> int:
        db = Database(settings)
        try:
            return await delete_orphan_photos(
                db, storage_from_settings(settings), older_than=timedelta(hours=older_than_hours)
            )
        finally:
            await db.dispose()

    deleted = run(go())
    click.echo(f"deleted {deleted} orphan photo(s)")


def register(main: click.Group) -> None:
    main.add_command(photos)
