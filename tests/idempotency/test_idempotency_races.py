"""Concurrent requests with one idempotency key, on PostgreSQL (separate connections at once):
the use case runs once, and every request gets its answer or is told the key is in use.

- Work done in one transaction (`run_once`: buyNow, acceptOffer) claims the key in that
  transaction: the others wait on the key's row until it commits, then replay its answer.
- Work spanning several transactions (`answer_work_once`: payOrder) commits its claim with its
  first transaction: while a later one runs, the others are told IDEMPOTENCY_KEY_IN_USE at once.

The first request is held inside its use case (its transaction open, its side effect written)
by an asyncio.Event until every other request has answered, or is seen waiting on a lock in
`pg_stat_activity`; no sleeps. SQLite serialises writers (the held transaction would hold the
write lock), so these run on PostgreSQL only.
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
from c2c_api.idempotency.service import Claim, answer_work_once, claim, run_once
from c2c_api.kit.clock import clock
from idempotency_support import T0, add_effect, effect_notes, effects
from race_support import skip_on_sqlite, wait_for_lock_waiters, wide_database

__all__ = ["effects"]

pytestmark = pytest.mark.postgres_only
CALLER = "member:00000000-0000-0000-0000-000000000001"
ARGUMENTS = {"orderId": "o1", "amount": 100}


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


async def in_one_transaction(db: Database, use_case: HeldUseCase) -> dict[str, Any]:
    return await run_once(
        db,
        caller=CALLER,
        key="same-key",
        operation="payOrder",
        arguments=ARGUMENTS,
        use_case=use_case,
    )


async def in_two_transactions(db: Database, use_case: HeldUseCase) -> dict[str, Any]:
    """As paying does: a first transaction (the claim committed with it), then the held one."""

    async def work(held: Claim) -> dict[str, Any]:
        async with held.transaction() as session:
            await add_effect(session, "step 1")
        async with held.transaction() as session:
            return await held.complete(session, await use_case(session))

    answer = await answer_work_once(
        db,
        caller=CALLER,
        key="same-key",
        operation="payOrder",
        arguments=ARGUMENTS,
        work=work,
    )
    return answer.value


async def race_answered(db: Database, n: int, call: Any) -> tuple[list[Any], HeldUseCase]:
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


async def race_waiting(db: Database, n: int) -> tuple[list[Any], HeldUseCase]:
    """n `run_once` calls started at once; the one that claims first is held until the others
    are seen waiting on a lock (the key's row), none of them answered."""
    use_case = HeldUseCase()
    tasks = [asyncio.create_task(in_one_transaction(db, use_case)) for _ in range(n)]
    try:
        await asyncio.wait_for(use_case.entered.wait(), timeout=20)
        await wait_for_lock_waiters(db.settings.database_url, n - 1)
        assert not any(t.done() for t in tasks)
    finally:
        use_case.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return results, use_case


@pytest.mark.parametrize("n", [2, 10])
async def test_in_one_transaction_the_others_wait_and_replay_the_answer(
    effects: Database, n: int
) -> None:
    skip_on_sqlite(effects)
    async with wide_database(effects, n + 2) as wide:
        results, use_case = await race_waiting(wide, n)
        assert results == [{"run": 1}] * n
        assert use_case.runs == 1
        assert await effect_notes(wide) == ["run 1"]
        # a retry replays it without running
        assert await in_one_transaction(wide, use_case) == {"run": 1}
    assert use_case.runs == 1
    assert await effect_notes(effects) == ["run 1"]


@pytest.mark.parametrize("n", [2, 10])
async def test_in_several_transactions_the_others_are_told_the_key_is_in_use(
    effects: Database, n: int
) -> None:
    skip_on_sqlite(effects)
    results, use_case = await race_answered(effects, n, in_two_transactions)
    answers = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, IdempotencyKeyInUse)]
    assert answers == [{"run": 1}]
    assert len(refused) == n - 1
    assert {e.code for e in refused} == {ErrorCode.IDEMPOTENCY_KEY_IN_USE}
    assert use_case.runs == 1
    assert await effect_notes(effects) == ["run 1", "step 1"]
    # after the first answered, a retry replays it without running
    assert await in_two_transactions(effects, use_case) == {"run": 1}
    assert use_case.runs == 1
    assert await effect_notes(effects) == ["run 1", "step 1"]


async def test_an_expired_lease_is_taken_over_by_one_retry(effects: Database) -> None:
    """A holder died (its lease ran out); ten retries of work in several transactions at
    once: one takes the key over, the nine others are told it is in use."""
    skip_on_sqlite(effects)
    clock.freeze(T0)
    async with claim(
        effects, caller=CALLER, key="same-key", operation="payOrder", arguments=ARGUMENTS
    ):
        clock.freeze(T0 + timedelta(seconds=61))
        results, use_case = await race_answered(effects, 10, in_two_transactions)
    assert [r for r in results if isinstance(r, dict)] == [{"run": 1}]
    assert sum(isinstance(r, IdempotencyKeyInUse) for r in results) == 9
    assert use_case.runs == 1
    assert await effect_notes(effects) == ["run 1", "step 1"]
    assert await in_two_transactions(effects, use_case) == {"run": 1}


async def test_an_expired_lease_taken_over_in_one_transaction_answers_every_retry(
    effects: Database,
) -> None:
    """Ten retries in one transaction each: one takes the key over (uncommitted); the nine
    others wait on its row, then replay its answer rather than refuse."""
    skip_on_sqlite(effects)
    clock.freeze(T0)
    async with (
        wide_database(effects, 12) as wide,
        claim(wide, caller=CALLER, key="same-key", operation="payOrder", arguments=ARGUMENTS),
    ):
        clock.freeze(T0 + timedelta(seconds=61))
        results, use_case = await race_waiting(wide, 10)
    assert results == [{"run": 1}] * 10
    assert use_case.runs == 1
    assert await effect_notes(effects) == ["run 1"]
