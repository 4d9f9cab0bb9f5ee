"""check_ledger (and the independent raw-SQL check run after every test) finds each kind of
corruption planted behind the code's back; `c2c-api ledger check` exits 1 on it, 0 when clean.
Entries are immutable on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlmodel import select

from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.ledger.models import LedgerEntry, LedgerTransaction
from c2c_api.ledger.service import (
    PLATFORM_REVENUE,
    Move,
    check_ledger,
    hold,
    member_funds,
    register_invariant,
    unregister_invariant,
)
from ledger_factories import execute, funded_member, post_now
from ledger_support import independent_ledger_problems, wipe_ledger


async def run_cli(db: Database, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    from c2c_api.cli import main
    from c2c_api.config import get_settings

    monkeypatch.setenv("C2C_DATABASE_URL", db.settings.database_url)
    get_settings.cache_clear()
    try:
        return await asyncio.to_thread(CliRunner().invoke, main, list(args))
    finally:
        get_settings.cache_clear()


async def problems(db: Database) -> list[str]:
    async with db.sessionmaker() as session:
        return await check_ledger(session)


async def insert(db: Database, table: sa.Table, **values: object) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(sa.insert(table).values(**values))


@pytest.fixture
async def ledger(db: Database) -> AsyncIterator[uuid.UUID]:
    """A sound ledger: a member paid in 1,000 and paid a fee of 400 (2 transactions, 4 entries,
    3 accounts); planted corruption is wiped afterwards."""
    member = await funded_member(db, 1_000)
    await post_now(db, Move(member_funds(member), PLATFORM_REVENUE, 400, "EUR"), reference="fee")
    yield member
    await wipe_ledger(db)


async def plant_unbalanced(db: Database, member: uuid.UUID) -> None:
    async with db.sessionmaker() as session:
        txn = (
            await session.exec(
                select(LedgerTransaction.id).where(LedgerTransaction.reference == "fee")
            )
        ).one()
    await insert(
        db,
        LedgerEntry.__table__,  # type: ignore[arg-type]
        id=uuid.uuid4(),
        transaction_id=txn,
        account=PLATFORM_REVENUE,
        currency="EUR",
        amount=5,
        created_at=utcnow(),
    )
    # The cache follows, so that only the balance of the entries is wrong.
    await execute(
        db, "UPDATE ledger_accounts SET balance = balance + 5 WHERE name = :n", n=PLATFORM_REVENUE
    )


async def plant_stale_balance(db: Database, member: uuid.UUID) -> None:
    await execute(
        db,
        "UPDATE ledger_accounts SET balance = balance + 1 WHERE name = :n",
        n=member_funds(member),
    )


async def plant_negative_member(db: Database, member: uuid.UUID) -> None:
    """A balanced transaction, cached balances updated: only the overdraft is wrong."""
    txn = uuid.uuid4()
    now = utcnow()
    await insert(
        db,
        LedgerTransaction.__table__,  # type: ignore[arg-type]
        id=txn,
        reference="overdraft",
        kind="test",
        metadata={},
        created_at=now,
    )
    for account, amount in ((member_funds(member), -1_000), (PLATFORM_REVENUE, 1_000)):
        await insert(
            db,
            LedgerEntry.__table__,  # type: ignore[arg-type]
            id=uuid.uuid4(),
            transaction_id=txn,
            account=account,
            currency="EUR",
            amount=amount,
            created_at=now,
        )
        await execute(
            db,
            "UPDATE ledger_accounts SET balance = balance + :a WHERE name = :n",
            a=amount,
            n=account,
        )


async def plant_wrong_pending_out(db: Database, member: uuid.UUID) -> None:
    await execute(
        db, "UPDATE ledger_accounts SET pending_out = 7 WHERE name = :n", n=member_funds(member)
    )


async def plant_posted_hold_without_transaction(db: Database, member: uuid.UUID) -> None:
    async with db.transaction() as session:
        await hold(
            session,
            reference="h",
            source=member_funds(member),
            destination=PLATFORM_REVENUE,
            amount=100,
            currency="EUR",
            expires_at=None,
        )
    await execute(db, "UPDATE ledger_holds SET status = 'POSTED' WHERE reference = 'h'")


Plant = Callable[[Database, uuid.UUID], Awaitable[None]]
PLANTS: list[tuple[Plant, str]] = [
    (plant_unbalanced, "EUR entries sum to 5, not 0"),
    (plant_stale_balance, "balance 601, its entries sum to 600"),
    (plant_negative_member, "may not go negative: balance -400"),
    (plant_wrong_pending_out, "pending_out 7, its pending holds sum to 0"),
    (plant_posted_hold_without_transaction, "is POSTED without its transaction"),
]


class TestCheckLedger:
    async def test_a_sound_ledger_has_no_problem(
        self, db: Database, ledger: uuid.UUID, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert await problems(db) == []
        assert await independent_ledger_problems(db) == []
        result = await run_cli(db, monkeypatch, "ledger", "check")
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "ledger OK: 2 transactions, 4 entries, 3 accounts"

    @pytest.mark.parametrize(("plant", "expected"), PLANTS, ids=[p.__name__ for p, _ in PLANTS])
    async def test_finds_planted_corruption(
        self,
        db: Database,
        ledger: uuid.UUID,
        monkeypatch: pytest.MonkeyPatch,
        plant: Plant,
        expected: str,
    ) -> None:
        await plant(db, ledger)
        found = await problems(db)
        assert any(expected in line for line in found), found
        assert await independent_ledger_problems(db) != []
        result = await run_cli(db, monkeypatch, "ledger", "check")
        assert result.exit_code == 1
        assert expected in result.output

    async def test_reports_registered_invariants(
        self, db: Database, ledger: uuid.UUID, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async def escrow_matches_orders(session: object) -> list[str]:
            return ["order 42: escrow 5, its state says 0"]

        register_invariant("orders.escrow", escrow_matches_orders)
        try:
            assert await problems(db) == ["orders.escrow: order 42: escrow 5, its state says 0"]
            result = await run_cli(db, monkeypatch, "ledger", "check")
            assert result.exit_code == 1 and "order 42" in result.output
        finally:
            unregister_invariant("orders.escrow")
        assert await problems(db) == []


class TestBalancesCommand:
    async def test_prints_a_members_balances(
        self, db: Database, ledger: uuid.UUID, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        result = await run_cli(db, monkeypatch, "ledger", "balances", "--member", str(ledger))
        assert result.exit_code == 0, result.output
        assert result.output.strip() == (
            "EUR  available=0.00 EUR  pending_out=0.00 EUR  funds=6.00 EUR"
        )
        bad = await run_cli(db, monkeypatch, "ledger", "balances", "--member", "nope")
        assert bad.exit_code == 2


@pytest.mark.postgres_only
class TestImmutableEntries:
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE ledger_entries SET amount = amount + 1",
            "DELETE FROM ledger_entries",
        ],
    )
    async def test_postgresql_refuses_to_change_an_entry(
        self, db: Database, ledger: uuid.UUID, statement: str
    ) -> None:
        if db.settings.is_sqlite:
            pytest.skip("the immutability trigger is PostgreSQL's")
        with pytest.raises(sa.exc.DBAPIError, match="ledger entries are immutable"):
            await execute(db, statement)
        assert await problems(db) == []
