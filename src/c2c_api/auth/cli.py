"""`c2c-api clients …` and `c2c-api keys …` commands."""

from __future__ import annotations

import json
import sys

import click

from c2c_api.auth.clients import create_client, list_clients, revoke_client
from c2c_api.auth.keys import is_published, list_keys, published_until, rotate_keys
from c2c_api.auth.models import ClientKind
from c2c_api.errors import DomainError


def register(main: click.Group) -> None:
    """Add the `clients` and `keys` groups to the main command."""
    main.add_command(clients)
    main.add_command(keys)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group()
def clients() -> None:
    """OAuth clients."""


@clients.command("create")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(["public", "confidential"]), required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Repeatable.")
@click.option("--scope", "scopes", multiple=True, help="Repeatable, or space separated.")
@click.option("--partner", "partner_slug", default=None, help="Partner slug (partner clients).")
@click.option("--first-party", is_flag=True, help="Our own front end: no consent screen.")
@click.option("--json", "as_json", is_flag=True, help='Print {"client_id": …, "client_secret": …}.')
def clients_create(
    name: str,
    kind: str,
    redirect_uris: tuple[str, ...],
    scopes: tuple[str, ...],
    partner_slug: str | None,
    first_party: bool,
    as_json: bool,
) -> None:
    """Register a client; its secret is shown only this once."""
    from c2c_api.db import Database
    from c2c_api.kit.commands import load_settings, run
    from c2c_api.partners.service import get_partner_by_slug

    settings = load_settings()
    scope_list = [s for item in scopes for s in item.split()]

    async def work() -> tuple[str, str | None]:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                partner_id = None
                if partner_slug:
                    partner = await get_partner_by_slug(session, slug=partner_slug)
                    if partner is None:
                        raise DomainError(f"no partner {partner_slug!r}")
                    partner_id = partner.id
                client, secret = await create_client(
                    session,
                    name=name,
                    kind=ClientKind(kind),
                    redirect_uris=list(redirect_uris),
                    scopes=scope_list,
                    partner_id=partner_id,
                    first_party=first_party,
                )
                return client.client_id, secret
        finally:
            await db.dispose()

    try:
        client_id, secret = run(work())
    except DomainError as exc:
        _fail(exc.message)
        return
    if as_json:
        click.echo(json.dumps({"client_id": client_id, "client_secret": secret}))
        return
    click.echo(f"client_id:     {client_id}")
    if secret:
        click.echo(f"client_secret: {secret}")
        click.echo("(the secret is shown only this once: keep it now)")


@clients.command("list")
def clients_list() -> None:
    """List clients (never their secrets)."""
    from c2c_api.db import Database
    from c2c_api.kit.commands import load_settings, run

    settings = load_settings()

    async def work() -> list[str]:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                rows = await list_clients(session)
        finally:
            await db.dispose()
        lines = []
        for c in rows:
            flags = [c.kind.value]
            if c.first_party:
                flags.append("first-party")
            if c.partner_id:
                flags.append(f"partner={c.partner_id}")
            if c.revoked_at:
                flags.append(f"REVOKED {c.revoked_at:%Y-%m-%d %H:%M}")
            lines.append(
                f"{c.client_id}\t{c.name}\t{','.join(flags)}\t{' '.join(c.scopes)}"
                f"\t{' '.join(c.redirect_uris)}"
            )
        return lines

    for line in run(work()):
        click.echo(line)


@clients.command("revoke")
@click.argument("client_id")
def clients_revoke(client_id: str) -> None:
    """Revoke a client: no new tokens, and its tokens stop working."""
    from c2c_api.db import Database
    from c2c_api.kit.commands import load_settings, run

    settings = load_settings()

    async def work() -> None:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                await revoke_client(session, client_id=client_id)
        finally:
            await db.dispose()

    try:
        run(work())
    except DomainError as exc:
        _fail(exc.message)
        return
    click.echo(f"revoked {client_id}")


@click.group()
def keys() -> None:
    """JWT signing keys."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Create a new signing key; older keys stay published until their tokens expire."""
    from c2c_api.db import Database
    from c2c_api.kit.commands import load_settings, run

    settings = load_settings()

    async def work() -> str:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                row = await rotate_keys(session, settings)
                return row.kid
        finally:
            await db.dispose()

    click.echo(f"new signing key: {run(work())}")


@keys.command("list")
def keys_list() -> None:
    """List signing keys: current, retired (published until …), expired."""
    from c2c_api.db import Database
    from c2c_api.kit.commands import load_settings, run

    settings = load_settings()

    async def work() -> list[str]:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                rows = await list_keys(session)
        finally:
            await db.dispose()
        lines = []
        for row in rows:
            until = published_until(row, settings)
            if until is None:
                state = "current"
            elif is_published(row, settings):
                state = f"retired, published until {until:%Y-%m-%d %H:%M:%S}Z"
            else:
                state = "expired (no longer published)"
            lines.append(f"{row.kid}\t{row.algorithm}\t{row.created_at:%Y-%m-%d %H:%M}\t{state}")
        return lines

    lines = run(work())
    if not lines:
        click.echo("no signing key yet (one is created when the first token is issued)")
    for line in lines:
        click.echo(line)
