"""Concurrent requests with one idempotency key, on PostgreSQL (separate connections at once):
the use case runs once, the others are told the key is in use, and a retry replays.

The first request is held inside its use case (its transaction open, its side effect written)
by an asyncio.Event until every other request has answered; no sleeps. SQLite serialises
writers (the held transaction would hold the write lock), so these run on PostgreSQL only.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.db import Database
from c2c_api.errors import ErrorCode
from c2c_api.idempotency.errors import IdempotencyKeyInUse
from c2c_api.idempotency.service import claim, run_once
from c2c_api.kit.clock import clock
from idempotency_support import T0, add_effect, effect_notes, effects

__all__ = ["effects"]

pytestmark = pytest.mark.postgres_only
CALLER = "member:00000000-0000-0000-0000-000000000001"


class HeldUseCase:
    """Every run writes a row; the first run then waits for `release` inside its transaction."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.runs = 0

    async def __call__(self, session: AsyncSession) -> dict[str, Any]:
        self.runs += 1
        run = self.runs
        await add_effect(session, f"run {run}")
        if run == 1:
            self.entered.set()
            await asyncio.wait_for(self.release.wait(), timeout=20)
        return {"run": run}


async def call(db: Database, use_case: HeldUseCase) -> dict[str, Any]:
    return await run_once(
        db,
        caller=CALLER,
        key="same-key",
        operation="payOrder",
        arguments={"orderId": "o1", "amount": 100},
        use_case=use_case,
    )


async def race(db: Database, n: int) -> tuple[list[Any], HeldUseCase]:
    """n calls started at once; the one that claims first is held until the others answered."""
    use_case = HeldUseCase()
    tasks = [asyncio.create_task(call(db, use_case)) for _ in range(n)]
    await asyncio.wait_for(use_case.entered.wait(), timeout=20)
    pending = set(tasks)
    # every call but the held one answers while the first is still inside its use case
    while len(pending) > 1:
        done, pending = await asyncio.wait(pending, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        assert done, "a concurrent call did not answer while the first one was held"
    use_case.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return results, use_case


@pytest.mark.parametrize("n", [2, 10])
async def test_concurrent_calls_run_the_use_case_once(effects: Database, n: int) -> None:
    if effects.settings.is_sqlite:
        pytest.skip("PostgreSQL: concurrent writers on separate connections")
    results, use_case = await race(effects, n)
    answers = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, IdempotencyKeyInUse)]
    assert answers == [{"run": 1}]
    assert len(refused) == n - 1
    assert {e.code for e in refused} == {ErrorCode.IDEMPOTENCY_KEY_IN_USE}
    assert use_case.runs == 1
    assert await effect_notes(effects) == ["run 1"]
    # after the first answered, a retry replays it without running
    assert await call(effects, use_case) == {"run": 1}
    assert use_case.runs == 1
    assert await effect_notes(effects) == ["run 1"]


async def test_an_expired_lease_is_taken_over_by_one_retry(effects: Database) -> None:
    """A holder died (its lease ran out); ten retries at once: one takes the key over."""
    if effects.settings.is_sqlite:
        pytest.skip("PostgreSQL: concurrent writers on separate connections")
    clock.freeze(T0)
    async with claim(
        effects,
        caller=CALLER,
        key="same-key",
        operation="payOrder",
        arguments={"orderId": "o1", "amount": 100},
    ):
        clock.freeze(T0 + timedelta(seconds=61))
        results, use_case = await race(effects, 10)
    assert [r for r in results if isinstance(r, dict)] == [{"run": 1}]
    assert sum(isinstance(r, IdempotencyKeyInUse) for r in results) == 9
    assert use_case.runs == 1
    assert await effect_notes(effects) == ["run 1"]
    assert await call(effects, use_case) == {"run": 1}
