"""`c2c-api ledger check` checks each order's escrow against its state (the orders domain's
invariant), and exits non-zero when one differs."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import sqlalchemy as sa

from c2c_api.db import Database
from c2c_api.ledger.service import check_ledger
from deals_support import buy, listing, member, pay


async def set_state(db: Database, order_id: uuid.UUID, state: str) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE orders SET state = :s WHERE id = :i"),
            {"s": state, "i": order_id.hex if db.settings.is_sqlite else order_id},
        )


class TestEscrowInvariant:
    async def test_an_order_whose_escrow_differs_from_its_state_is_reported(
        self, db: Database
    ) -> None:
        seller, _ = await member(db)
        _, buyer = await member(db)
        paid = await buy(db, buyer, await listing(db, seller))
        await pay(db, buyer, paid)
        unpaid = await buy(db, buyer, await listing(db, seller))
        async with db.sessionmaker() as session:
            assert await check_ledger(session) == []
        await set_state(db, unpaid.id, "PAID")  # says the money is held: it is not
        await set_state(db, paid.id, "COMPLETED")  # says it was released: it was not
        try:
            async with db.sessionmaker() as session:
                problems = await check_ledger(session)
            assert len(problems) == 2, problems
            assert any(str(unpaid.id) in p and "expected" in p for p in problems)
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "c2c_api",
                "ledger",
                "check",
                env={**os.environ, "C2C_DATABASE_URL": db.settings.database_url},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            output = (await process.communicate())[0].decode()
            assert process.returncode == 1, output
            assert str(paid.id) in output
        finally:
            await set_state(db, unpaid.id, "AWAITING_PAYMENT")
            await set_state(db, paid.id, "PAID")
