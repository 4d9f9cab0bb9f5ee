"""`c2c-api ledger …`: check the ledger's invariants, show a member's balances."""

from __future__ import annotations

import sys
import uuid

import click

from c2c_api.db import Database
from c2c_api.kit.money import Money
from c2c_api.ledger.service import (
    LedgerSize,
    MemberBalance,
    check_ledger,
    ledger_size,
    member_balances,
)


@click.group("ledger")
def ledger() -> None:
    """The double-entry ledger: check its invariants, show balances (docs/ledger.md)."""


@ledger.command("check")
def ledger_check() -> None:
    """Check every invariant of the ledger; exit status 1 when one is violated."""
    from c2c_api.kit.commands import load_settings, run

    async def go() -> tuple[list[str], LedgerSize]:
        db = Database(load_settings())
        try:
            async with db.sessionmaker() as session:
                return await check_ledger(session), await ledger_size(session)
        finally:
            await db.dispose()

    problems, size = run(go())
    if problems:
        for line in problems:
            click.echo(line)
        click.echo(f"ledger NOT OK: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(
        f"ledger OK: {size.transactions} transactions, {size.entries} entries, "
        f"{size.accounts} accounts"
    )


@ledger.command("balances")
@click.option("--member", "member", required=True, help="The member's id (a UUID).")
def ledger_balances(member: str) -> None:
    """A member's balances per currency: available, pending out, funds."""
    from c2c_api.kit.commands import load_settings, run

    try:
        member_id = uuid.UUID(member)
    except ValueError as exc:
        raise click.BadParameter("not a member id", param_hint="--member") from exc

    async def go() -> list[MemberBalance]:
        db = Database(load_settings())
        try:
            async with db.sessionmaker() as session:
                return await member_balances(session, member_id=member_id)
        finally:
            await db.dispose()

    balances = run(go())
    if not balances:
        click.echo("no balances")
    for row in balances:
        click.echo(
            f"{row.currency}  available={Money(row.available, row.currency).format()}"
            f"  pending_out={Money(row.pending_out, row.currency).format()}"
            f"  funds={Money(row.funds, row.currency).format()}"
        )


def register(main: click.Group) -> None:
    main.add_command(ledger)
