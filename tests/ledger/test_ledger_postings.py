"""Postings: balanced, idempotent by reference, refused whole (nothing written), per currency."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from c2c_api.db import Database
from c2c_api.errors import ErrorCode
from c2c_api.kit.clock import clock
from c2c_api.ledger.accounts import parse_account
from c2c_api.ledger.errors import (
    AmountOutOfRange,
    InsufficientFunds,
    LedgerReferenceConflict,
    UnsupportedCurrency,
)
from c2c_api.ledger.models import AccountKind, LedgerAccount, LedgerEntry
from c2c_api.ledger.service import (
    PAYOUTS_IN_TRANSIT,
    PLATFORM_REVENUE,
    MemberBalance,
    Move,
    check_ledger,
    entries_page,
    hold,
    member_available,
    member_balances,
    member_funds,
    order_escrow,
    partner_revenue,
    post,
    provider_clearing,
)
from ledger_factories import SANDBOX, balance_of, counts, funded_member, post_now


class TestAccountNames:
    def test_each_name_says_its_kind_and_owner(self) -> None:
        member, order, partner = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        assert member_funds(member) == f"members:{member}:funds"
        assert parse_account(member_funds(member)).kind == AccountKind.MEMBER_FUNDS
        assert parse_account(member_available(member)).member_id == member
        assert parse_account(order_escrow(order)).order_id == order
        assert parse_account(partner_revenue(partner)).partner_id == partner
        assert parse_account(PLATFORM_REVENUE).kind == AccountKind.PLATFORM_REVENUE
        assert parse_account(PAYOUTS_IN_TRANSIT).kind == AccountKind.PAYOUTS_IN_TRANSIT
        clearing = parse_account(provider_clearing("stripe"))
        assert clearing.kind == AccountKind.PROVIDER_CLEARING and clearing.may_go_negative
        assert not parse_account(member_funds(member)).may_go_negative

    @pytest.mark.parametrize(
        "name",
        [
            "members:nobody:funds",
            f"members:{uuid.uuid4().hex}:funds",  # one spelling per account
            f"members:{uuid.uuid4()}:savings",
            "platform:fees",
            "providers:Not A Name:clearing",
            "",
        ],
    )
    def test_an_unknown_name_is_a_programming_error(self, name: str) -> None:
        with pytest.raises(ValueError):
            parse_account(name)


class TestPost:
    async def test_moves_money_and_balances(self, db: Database) -> None:
        member = await funded_member(db, 10_000)
        order = uuid.uuid4()
        txn = await post_now(
            db,
            Move(member_funds(member), order_escrow(order), 3_000, "EUR"),
            reference=f"order:{order}:pay",
        )
        assert await balance_of(db, SANDBOX) == -10_000  # the outside world
        assert await balance_of(db, member_funds(member)) == 7_000
        assert await balance_of(db, order_escrow(order)) == 3_000
        async with db.sessionmaker() as session:
            entries = (
                await session.exec(select(LedgerEntry).where(LedgerEntry.transaction_id == txn.id))
            ).all()
            assert sorted(e.amount for e in entries) == [-3_000, 3_000]
            assert await check_ledger(session) == []
            escrow = await session.get(LedgerAccount, (order_escrow(order), "EUR"))
            assert escrow is not None and escrow.order_id == order
            assert escrow.kind == AccountKind.ESCROW and not escrow.may_go_negative

    async def test_is_idempotent_by_reference(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        move = Move(member_funds(member), PLATFORM_REVENUE, 400, "EUR")
        first = await post_now(db, move, reference="fee:1", kind="fee")
        before = await counts(db)
        again = await post_now(db, move, reference="fee:1", kind="fee")
        assert again.id == first.id
        assert await counts(db) == before
        assert await balance_of(db, member_funds(member)) == 600

    async def test_the_same_reference_with_other_moves_conflicts(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        await post_now(
            db, Move(member_funds(member), PLATFORM_REVENUE, 400, "EUR"), reference="fee:1"
        )
        before = await counts(db)
        for moves, kind in [
            ([Move(member_funds(member), PLATFORM_REVENUE, 300, "EUR")], "test"),
            ([Move(member_funds(member), PAYOUTS_IN_TRANSIT, 400, "EUR")], "test"),
            ([Move(member_funds(member), PLATFORM_REVENUE, 400, "EUR")], "other.kind"),
        ]:
            with pytest.raises(LedgerReferenceConflict) as caught:
                async with db.transaction() as session:
                    await post(session, reference="fee:1", kind=kind, moves=moves)
            assert caught.value.code == ErrorCode.LEDGER_REFERENCE_CONFLICT
        assert await counts(db) == before

    async def test_refuses_insufficient_funds_and_writes_nothing(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        before = await counts(db)
        order = uuid.uuid4()
        # The caller catches the refusal and commits the rest of its work: the posting left
        # nothing behind, not even the escrow account it would have created.
        async with db.transaction() as session:
            with pytest.raises(InsufficientFunds) as caught:
                await post(
                    session,
                    reference=f"order:{order}:pay",
                    kind="test",
                    moves=[
                        Move(SANDBOX, PLATFORM_REVENUE, 50, "EUR"),
                        Move(member_funds(member), order_escrow(order), 1_001, "EUR"),
                    ],
                )
        assert caught.value.code == ErrorCode.INSUFFICIENT_FUNDS
        assert caught.value.context["account"] == member_funds(member)
        assert await counts(db) == before
        assert await balance_of(db, member_funds(member)) == 1_000
        assert await balance_of(db, PLATFORM_REVENUE) == 0
        # A retry once the funds are there succeeds (a refusal records nothing).
        await post_now(db, Move(SANDBOX, member_funds(member), 1, "EUR"), reference="top-up")
        await post_now(
            db, Move(member_funds(member), order_escrow(order), 1_001, "EUR"), reference="pay"
        )
        assert await balance_of(db, member_funds(member)) == 0

    async def test_counts_pending_holds_against_the_balance(self, db: Database) -> None:
        member = await funded_member(db, 1_000)
        async with db.transaction() as session:
            await hold(
                session,
                reference="h",
                source=member_funds(member),
                destination=PLATFORM_REVENUE,
                amount=800,
                currency="EUR",
                expires_at=None,
            )
        with pytest.raises(InsufficientFunds):
            await post_now(
                db, Move(member_funds(member), PLATFORM_REVENUE, 201, "EUR"), reference="x"
            )
        await post_now(db, Move(member_funds(member), PLATFORM_REVENUE, 200, "EUR"), reference="y")

    @pytest.mark.parametrize("amount", [0, -5, 10**12 + 1, True, 1.5])
    async def test_refuses_an_amount_out_of_range(self, db: Database, amount: object) -> None:
        with pytest.raises(AmountOutOfRange) as caught:
            await post_now(
                db,
                Move(SANDBOX, PLATFORM_REVENUE, amount, "EUR"),  # type: ignore[arg-type]
                reference="r",
            )
        assert caught.value.code == ErrorCode.AMOUNT_OUT_OF_RANGE
        assert await counts(db) == (0, 0, 0, 0)

    async def test_accepts_the_largest_amount(self, db: Database) -> None:
        await post_now(db, Move(SANDBOX, PLATFORM_REVENUE, 10**12, "JPY"), reference="big")
        await post_now(db, Move(SANDBOX, PLATFORM_REVENUE, 10**12, "JPY"), reference="big2")
        assert await balance_of(db, PLATFORM_REVENUE, "JPY") == 2 * 10**12

    async def test_refuses_an_unsupported_currency(self, db: Database) -> None:
        with pytest.raises(UnsupportedCurrency) as caught:
            await post_now(db, Move(SANDBOX, PLATFORM_REVENUE, 5, "XXX"), reference="r")
        assert caught.value.code == ErrorCode.CURRENCY_UNSUPPORTED

    async def test_an_unknown_account_or_empty_posting_is_a_programming_error(
        self, db: Database
    ) -> None:
        with pytest.raises(ValueError):
            await post_now(db, Move(SANDBOX, "wallets:1", 5, "EUR"), reference="r")
        with pytest.raises(ValueError):
            await post_now(db, reference="r")
        with pytest.raises(ValueError):
            await post_now(db, Move(SANDBOX, SANDBOX, 5, "EUR"), reference="r")

    async def test_balances_per_currency(self, db: Database) -> None:
        member = uuid.uuid4()
        await post_now(
            db,
            Move(SANDBOX, member_funds(member), 500, "EUR"),
            Move(SANDBOX, member_available(member), 700, "USD"),
            Move(SANDBOX, member_funds(member), 900, "JPY"),
            reference="multi",
        )
        assert await balance_of(db, SANDBOX, "EUR") == -500
        assert await balance_of(db, SANDBOX, "USD") == -700
        assert await balance_of(db, member_funds(member), "USD") == 0
        async with db.transaction() as session:
            await hold(
                session,
                reference="h",
                source=member_available(member),
                destination=PAYOUTS_IN_TRANSIT,
                amount=200,
                currency="USD",
                expires_at=None,
            )
        async with db.sessionmaker() as session:
            assert await member_balances(session, member_id=member) == [
                MemberBalance(currency="EUR", available=0, pending_out=0, funds=500),
                MemberBalance(currency="JPY", available=0, pending_out=0, funds=900),
                MemberBalance(currency="USD", available=700, pending_out=200, funds=0),
            ]
            assert await member_balances(session, member_id=uuid.uuid4()) == []


class TestEntriesPage:
    async def test_pages_an_accounts_entries_newest_first(self, db: Database) -> None:
        from datetime import UTC, datetime, timedelta

        member = uuid.uuid4()
        t0 = datetime(2026, 6, 1, tzinfo=UTC)
        for i in range(5):
            clock.freeze(t0 + timedelta(minutes=i))
            await post_now(
                db, Move(SANDBOX, member_funds(member), 100 + i, "EUR"), reference=f"in:{i}"
            )
        await post_now(db, Move(SANDBOX, member_funds(member), 1, "USD"), reference="usd")
        accounts = [member_funds(member)]
        async with db.sessionmaker() as session:
            first, more = await entries_page(
                session, accounts=accounts, limit=2, after=None, currency="EUR"
            )
            assert [e.amount for e in first] == [104, 103] and more
            second, more = await entries_page(
                session,
                accounts=accounts,
                limit=2,
                after=(first[-1].created_at, first[-1].id),
                currency="EUR",
            )
            assert [e.amount for e in second] == [102, 101] and more
            last, more = await entries_page(
                session,
                accounts=accounts,
                limit=2,
                after=(second[-1].created_at, second[-1].id),
                currency="EUR",
            )
            assert [e.amount for e in last] == [100] and not more
            everything, _ = await entries_page(session, accounts=accounts, limit=10, after=None)
            assert len(everything) == 6
