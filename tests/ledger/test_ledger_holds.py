"""Holds (two-phase transfers): pending, then posted (all or part), voided or expired by their
timer through the worker; each resolved at most once, repeats of the same resolution harmless."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from c2c_api.db import Database
from c2c_api.errors import ErrorCode
from c2c_api.events.models import Timer, TimerStatus
from c2c_api.kit.clock import clock
from c2c_api.ledger.errors import (
    AmountOutOfRange,
    HoldNotFound,
    HoldNotPending,
    InsufficientFunds,
    LedgerReferenceConflict,
)
from c2c_api.ledger.models import HoldStatus, LedgerHold, LedgerTransaction
from c2c_api.ledger.service import (
    HOLD_EXPIRE_ACTION,
    expire_hold,
    hold,
    member_funds,
    order_escrow,
    post_hold,
    void_hold,
)
from ledger_factories import balance_of, counts, funded_member, hold_row, pending_out_of
from worker_support import app_worker, drain

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _at_t0(db: Database) -> None:
    clock.freeze(T0)


async def place(
    db: Database,
    member: uuid.UUID,
    amount: int,
    *,
    reference: str = "h1",
    expires_at: datetime | None = None,
    order: uuid.UUID | None = None,
) -> LedgerHold:
    order = order or uuid.uuid4()
    async with db.transaction() as session:
        return await hold(
            session,
            reference=reference,
            source=member_funds(member),
            destination=order_escrow(order),
            amount=amount,
            currency="EUR",
            expires_at=expires_at,
            order_id=order,
        )


async def post_it(db: Database, hold_id: uuid.UUID, amount: int | None = None) -> LedgerTransaction:
    async with db.transaction() as session:
        return await post_hold(session, hold_id=hold_id, amount=amount, kind="order.paid")


async def void_it(db: Database, hold_id: uuid.UUID) -> LedgerHold:
    async with db.transaction() as session:
        return await void_hold(session, hold_id=hold_id)


async def timer_status(db: Database, hold_id: uuid.UUID) -> TimerStatus | None:
    async with db.sessionmaker() as session:
        timer = (
            await session.exec(
                select(Timer).where(Timer.subject_id == hold_id, Timer.action == HOLD_EXPIRE_ACTION)
            )
        ).first()
        return None if timer is None else timer.status


class TestHold:
    async def test_reserves_funds_without_moving_them(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        held = await place(db, member, 700, expires_at=T0 + timedelta(days=1))
        assert held.status == HoldStatus.PENDING
        assert await balance_of(db, member_funds(member)) == 1_000
        assert await pending_out_of(db, member_funds(member)) == 700
        assert await timer_status(db, held.id) == TimerStatus.PENDING

    async def test_refuses_more_than_is_available_and_writes_nothing(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        await place(db, member, 700, reference="first")
        before = await counts(db)
        with pytest.raises(InsufficientFunds):
            await place(db, member, 301, reference="second", expires_at=T0)
        assert await counts(db) == before
        assert await pending_out_of(db, member_funds(member)) == 700
        async with db.sessionmaker() as session:
            assert (await session.exec(select(Timer))).first() is None

    async def test_is_idempotent_by_reference(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        order = uuid.uuid4()
        first = await place(db, member, 400, order=order)
        again = await place(db, member, 400, order=order)
        assert again.id == first.id
        assert await pending_out_of(db, member_funds(member)) == 400
        with pytest.raises(LedgerReferenceConflict):
            await place(db, member, 401, order=order)


class TestPostHold:
    async def test_posts_all_of_a_hold(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        held = await place(db, member, 700, expires_at=T0 + timedelta(days=1))
        txn = await post_it(db, held.id)
        after = await hold_row(db, held.id)
        assert after.status == HoldStatus.POSTED and after.transaction_id == txn.id
        assert after.posted_amount == 700 and after.resolved_at is not None
        assert txn.order_id == held.order_id and txn.meta == {"holdId": str(held.id)}
        assert await balance_of(db, member_funds(member)) == 300
        assert await balance_of(db, held.destination) == 700
        assert await pending_out_of(db, member_funds(member)) == 0
        assert await timer_status(db, held.id) == TimerStatus.CANCELLED

    async def test_posts_part_of_a_hold_and_releases_the_rest(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        held = await place(db, member, 700)
        await post_it(db, held.id, 250)
        assert await balance_of(db, member_funds(member)) == 750
        assert await balance_of(db, held.destination) == 250
        assert await pending_out_of(db, member_funds(member)) == 0
        assert (await hold_row(db, held.id)).posted_amount == 250

    async def test_refuses_more_than_the_hold(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        held = await place(db, member, 700)
        with pytest.raises(AmountOutOfRange):
            await post_it(db, held.id, 701)
        with pytest.raises(AmountOutOfRange):
            await post_it(db, held.id, 0)
        assert (await hold_row(db, held.id)).status == HoldStatus.PENDING

    async def test_posting_again_the_same_is_harmless_otherwise_refused(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        held = await place(db, member, 700)
        txn = await post_it(db, held.id, 300)
        before = await counts(db)
        assert (await post_it(db, held.id, 300)).id == txn.id
        assert await counts(db) == before
        with pytest.raises(HoldNotPending) as caught:
            await post_it(db, held.id)  # all of it: another resolution
        assert caught.value.code == ErrorCode.HOLD_NOT_PENDING
        with pytest.raises(HoldNotPending):
            await void_it(db, held.id)
        assert await balance_of(db, member_funds(member)) == 700

    async def test_refuses_a_hold_past_its_expiry_before_its_timer_fired(
        self, db: Database
    ) -> None:
        clock.freeze(T0)
        member = await funded_member(db, 1_000)
        held = await place(db, member, 700, expires_at=T0 + timedelta(minutes=30))
        clock.freeze(T0 + timedelta(minutes=30))
        with pytest.raises(HoldNotPending):
            await post_it(db, held.id)
        assert await balance_of(db, member_funds(member)) == 1_000

    async def test_an_unknown_hold_is_not_found(self, db: Database) -> None:
        with pytest.raises(HoldNotFound):
            await post_it(db, uuid.uuid4())


class TestVoidHold:
    async def test_releases_the_funds_once(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        held = await place(db, member, 700, expires_at=T0 + timedelta(days=1))
        voided = await void_it(db, held.id)
        assert voided.status == HoldStatus.VOIDED and voided.transaction_id is None
        assert await pending_out_of(db, member_funds(member)) == 0
        assert await balance_of(db, member_funds(member)) == 1_000
        assert await timer_status(db, held.id) == TimerStatus.CANCELLED
        assert (await void_it(db, held.id)).status == HoldStatus.VOIDED  # harmless repeat
        assert await pending_out_of(db, member_funds(member)) == 0
        with pytest.raises(HoldNotPending):
            await post_it(db, held.id)
        # The released funds can be held again.
        await place(db, member, 1_000, reference="h2")


class TestExpireHold:
    async def test_the_worker_expires_a_hold_at_its_time(self, db: Database) -> None:
        clock.freeze(T0)
        member = await funded_member(db, 1_000)
        held = await place(db, member, 700, expires_at=T0 + timedelta(minutes=30))
        worker = app_worker(db)
        clock.freeze(T0 + timedelta(minutes=29))
        assert await drain(worker) == 0
        assert (await hold_row(db, held.id)).status == HoldStatus.PENDING
        clock.freeze(T0 + timedelta(minutes=30))
        assert await drain(worker) == 2  # the timer fired, its event handled
        expired = await hold_row(db, held.id)
        assert expired.status == HoldStatus.EXPIRED
        assert expired.resolved_at == T0 + timedelta(minutes=30)
        assert await pending_out_of(db, member_funds(member)) == 0
        assert await balance_of(db, member_funds(member)) == 1_000
        with pytest.raises(HoldNotPending):
            await post_it(db, held.id)
        with pytest.raises(HoldNotPending):
            await void_it(db, held.id)

    async def test_leaves_alone_what_is_not_due_or_not_pending(self, db: Database) -> None:
        clock.freeze(T0)
        member = await funded_member(db, 1_000)
        early = await place(db, member, 100, reference="early", expires_at=T0 + timedelta(hours=1))
        posted = await place(db, member, 100, reference="posted", expires_at=T0)
        forever = await place(db, member, 100, reference="forever")
        clock.freeze(T0 - timedelta(seconds=1))
        await post_it(db, posted.id)
        clock.freeze(T0 + timedelta(minutes=1))
        async with db.transaction() as session:
            for held in (early, posted, forever):
                await expire_hold(session, hold_id=held.id)
        assert (await hold_row(db, early.id)).status == HoldStatus.PENDING
        assert (await hold_row(db, posted.id)).status == HoldStatus.POSTED
        assert (await hold_row(db, forever.id)).status == HoldStatus.PENDING
        assert await pending_out_of(db, member_funds(member)) == 200
        # Expiring twice releases once.
        clock.freeze(T0 + timedelta(hours=2))
        for _ in range(2):
            async with db.transaction() as session:
                await expire_hold(session, hold_id=early.id)
        assert (await hold_row(db, early.id)).status == HoldStatus.EXPIRED
        assert await pending_out_of(db, member_funds(member)) == 100
