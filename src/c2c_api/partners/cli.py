"""`c2c-api partners …`."""

from __future__ import annotations

import json

import click

from c2c_api.authz import Actor, ActorKind
from c2c_api.db import Database
from c2c_api.partners import service
from c2c_api.users.cli import with_database

# The command line acts as a platform operator allowed to manage partners.
CLI_OPERATOR = Actor(
    kind=ActorKind.OPERATOR, scopes=frozenset({"admin:partners"}), client_id="c2c-api-cli"
)


def register(main: click.Group) -> None:
    """Add the `partners` group to the CLI."""

    @main.group()
    def partners() -> None:
        """Partners (white-label storefronts)."""

    @partners.command("create")
    @click.option("--slug", required=True, help="2-63 lowercase letters, digits, hyphens.")
    @click.option("--name", required=True)
    @click.option("--json", "as_json", is_flag=True, help="Print the partner as JSON.")
    def partners_create(slug: str, name: str, as_json: bool) -> None:
        """Register a partner; then give it a client with `c2c-api clients create --partner`."""

        async def work(db: Database) -> dict[str, str]:
            async with db.transaction() as session:
                p = await service.create_partner(session, CLI_OPERATOR, slug=slug, name=name)
                return {"id": str(p.id), "slug": p.slug, "name": p.name}

        created = with_database(work)
        if as_json:
            click.echo(json.dumps(created))
        else:
            click.echo(f"{created['id']}  {created['slug']}  {created['name']}")

    @partners.command("list")
    def partners_list() -> None:
        """Every partner, oldest first."""

        async def work(db: Database) -> list[str]:
            lines: list[str] = []
            after: service.Cursor | None = None
            async with db.sessionmaker() as session:
                while True:
                    page = await service.list_partners(
                        session, CLI_OPERATOR, limit=service.MAX_PAGE, after=after
                    )
                    for p in page.items:
                        lines.append(f"{p.id}  {p.slug:<24}  {p.status.value:<9}  {p.name}")
                    if not page.has_next:
                        return lines
                    last = page.items[-1]
                    after = (last.created_at, last.id)

        lines = with_database(work)
        click.echo("\n".join(lines) if lines else "no partners")
