"""Arranging ledger tests: funding a member, posting and reading in transactions of their own."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import func, select

from c2c_api.db import Database
from c2c_api.ledger.models import LedgerAccount, LedgerEntry, LedgerHold, LedgerTransaction
from c2c_api.ledger.service import (
    Move,
    balance,
    member_funds,
    post,
    provider_clearing,
)

SANDBOX = provider_clearing("sandbox")


async def post_now(
    db: Database, *moves: Move, reference: str, kind: str = "test"
) -> LedgerTransaction:
    """Post `moves` in a transaction of its own (committed)."""
    async with db.transaction() as session:
        return await post(session, reference=reference, kind=kind, moves=list(moves))


async def funded_member(db: Database, amount: int, currency: str = "EUR") -> uuid.UUID:
    """A member whose funds account received `amount` from the sandbox provider."""
    member_id = uuid.uuid4()
    await post_now(
        db,
        Move(SANDBOX, member_funds(member_id), amount, currency),
        reference=f"payin:{member_id}",
        kind="payment.captured",
    )
    return member_id


async def balance_of(db: Database, account: str, currency: str = "EUR") -> int:
    async with db.sessionmaker() as session:
        return await balance(session, account=account, currency=currency)


async def pending_out_of(db: Database, account: str, currency: str = "EUR") -> int:
    async with db.sessionmaker() as session:
        row = await session.get(LedgerAccount, (account, currency))
        return 0 if row is None else row.pending_out


async def hold_row(db: Database, hold_id: uuid.UUID) -> LedgerHold:
    async with db.sessionmaker() as session:
        found = await session.get(LedgerHold, hold_id)
        assert found is not None
        return found


async def counts(db: Database) -> tuple[int, int, int, int]:
    """(transactions, entries, accounts, holds)."""
    async with db.sessionmaker() as session:
        row = (
            await session.exec(
                select(
                    select(func.count()).select_from(LedgerTransaction).scalar_subquery(),
                    select(func.count()).select_from(LedgerEntry).scalar_subquery(),
                    select(func.count()).select_from(LedgerAccount).scalar_subquery(),
                    select(func.count()).select_from(LedgerHold).scalar_subquery(),
                )
            )
        ).one()
        return (int(row[0]), int(row[1]), int(row[2]), int(row[3]))


async def execute(db: Database, sql: str, **params: object) -> None:
    """Raw SQL, committed: planting what the code never writes."""
    async with db.engine.begin() as conn:
        await conn.execute(sa.text(sql), params)
