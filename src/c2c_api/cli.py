"""The `c2c-api` command line: serve, database, clients, partners, demo data, schema."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from c2c_api.config import Settings
from c2c_api.kit.commands import load_settings


def ensure_sqlite_dir(settings: Settings) -> None:
    if settings.is_sqlite:
        path = settings.database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


@click.group()
def main() -> None:
    """c2c-api: a headless consumer-to-consumer marketplace backend."""
    from c2c_api.registry import import_invariants

    import_invariants()  # `ledger check` checks every domain's invariants (orders' escrow)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOST")
@click.option("--port", default=8000, show_default=True, type=int, envvar="PORT")
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    settings = load_settings()
    ensure_sqlite_dir(settings)
    from c2c_api.logging import configure_logging

    configure_logging(settings)
    uvicorn.run(
        "c2c_api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_config=None,
        proxy_headers=True,
        access_log=False,
        ws_per_message_deflate=settings.ws_compression,
    )


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from c2c_api import migrations

    settings = load_settings()
    ensure_sqlite_dir(settings)
    migrations.upgrade(settings.database_url, revision)
    click.echo(f"database at {migrations.current_revision(settings.database_url)}")
    if revision == "head":
        from c2c_api.categories.service import seed_after_upgrade

        seeded = seed_after_upgrade(settings)
        if seeded:
            click.echo(f"seeded {seeded} default categories")


@db.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step; `base` for all)."""
    from c2c_api import migrations

    settings = load_settings()
    migrations.downgrade(settings.database_url, revision)
    click.echo(f"database at {migrations.current_revision(settings.database_url) or 'base'}")


@db.command("current")
def db_current() -> None:
    """Print the database's revision and the code's head."""
    from c2c_api import migrations

    settings = load_settings()
    current = migrations.current_revision(settings.database_url)
    head = migrations.head_revision()
    click.echo(f"current: {current or 'base'}\nhead:    {head}")


@main.command("export-schema")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None)
def export_schema(output: str | None) -> None:
    """Print the GraphQL SDL (or write it to a file)."""
    from c2c_api.graphql.schema import build_schema, schema_sdl

    sdl = schema_sdl(build_schema(load_settings()))
    if output:
        Path(output).write_text(sdl, encoding="utf-8")
    else:
        click.echo(sdl, nl=False)


DOCS_DIR = Path("docs")


@main.group()
def docs() -> None:
    """Reference pages generated from the code (docs/errors.md, docs/oauth.md,
    docs/processes.md, the cost table of docs/limits.md)."""


def _write_or_check(path: Path, text: str, check: bool) -> None:
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if check:
        if current != text:
            click.echo(f"{path} is stale: run `make docs`", err=True)
            sys.exit(1)
        click.echo(f"{path} is current")
    elif current != text:
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {path}")


@docs.command("errors")
@click.option("--check", is_flag=True, help="Fail (exit 1) when the page is stale.")
@click.option("--docs-dir", type=click.Path(file_okay=False, path_type=Path), default=DOCS_DIR)
def docs_errors(check: bool, docs_dir: Path) -> None:
    """Write docs/errors.md: every error code, its meaning, English and French messages."""
    from c2c_api.docgen.errors import render

    _write_or_check(docs_dir / "errors.md", render(), check)


@docs.command("oauth")
@click.option("--check", is_flag=True, help="Fail (exit 1) when the section is stale.")
@click.option("--docs-dir", type=click.Path(file_okay=False, path_type=Path), default=DOCS_DIR)
def docs_oauth(check: bool, docs_dir: Path) -> None:
    """Rewrite the scopes section of docs/oauth.md (what requires each scope)."""
    from c2c_api.docgen.oauth import update

    path = docs_dir / "oauth.md"
    _write_or_check(path, update(path.read_text(encoding="utf-8")), check)


@docs.command("processes")
@click.option("--check", is_flag=True, help="Fail (exit 1) when the page is stale.")
@click.option("--docs-dir", type=click.Path(file_okay=False, path_type=Path), default=DOCS_DIR)
def docs_processes(check: bool, docs_dir: Path) -> None:
    """Write docs/processes.md: every order process (table and state diagram)."""
    from c2c_api.orders.process import ORDERS
    from c2c_api.processes.docs import render_processes

    _write_or_check(docs_dir / "processes.md", render_processes(ORDERS.processes), check)


@docs.command("costs")
@click.option("--check", is_flag=True, help="Fail (exit 1) when the table is stale.")
@click.option("--docs-dir", type=click.Path(file_okay=False, path_type=Path), default=DOCS_DIR)
def docs_costs(check: bool, docs_dir: Path) -> None:
    """Rewrite the table of field costs in docs/limits.md (between its cost-table markers)."""
    from c2c_api.docgen.costs import update
    from c2c_api.graphql.schema import build_schema

    path = docs_dir / "limits.md"
    _write_or_check(path, update(path.read_text(encoding="utf-8"), build_schema()._schema), check)


@main.command("seed")
@click.option("--demo", is_flag=True, help="Load the demo data (development only, once).")
def seed(demo: bool) -> None:
    """Load data into the database (today: the demo data)."""
    if not demo:
        raise click.UsageError("say what to load: --demo")
    from c2c_api.demo import seed_demo
    from c2c_api.users.cli import with_database

    info = with_database(seed_demo)
    click.echo(info.instructions())


def _register_subcommands() -> None:
    """Domain command groups live beside their domain."""
    from importlib import import_module

    for module in (
        "c2c_api.auth.cli",
        "c2c_api.ledger.cli",
        "c2c_api.idempotency.cli",
        "c2c_api.listings.cli",
        "c2c_api.partners.cli",
        "c2c_api.photos.cli",
        "c2c_api.users.cli",
        "c2c_api.worker",
    ):
        try:
            mod: Any = import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(main)


_register_subcommands()
