"""The double-entry ledger: postings, two-phase holds, balances and the invariant check.

    post(session, reference=…, kind=…, moves=[Move(…), …])   one balanced transaction, once
    hold / post_hold / void_hold / expire_hold                 two-phase transfers
    balance, member_balances, entries_page                     reads
    check_ledger(session)                                      every violated invariant
    register_invariant(name, check)                            other domains' invariants

Every write is idempotent by its `reference` (the same reference with the same content returns
what was written; with another content, `LedgerReferenceConflict`). A write locks the accounts
it touches in one `SELECT … FOR UPDATE` ordered by (name, currency), so concurrent postings
queue instead of deadlocking, and refuses with `InsufficientFunds` when an account that may not
go negative would end below zero counting its pending holds; a refused write leaves nothing
(it runs in a savepoint). Lock order: a hold's row, then accounts. docs/ledger.md.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.db import dialect_insert
from c2c_api.events.service import cancel_timer, schedule_timer
from c2c_api.kit.clock import utcnow
from c2c_api.kit.keyset import Position, keyset_page
from c2c_api.kit.money import CURRENCIES
from c2c_api.ledger.accounts import (
    PAYOUTS_IN_TRANSIT,
    PLATFORM_REVENUE,
    member_available,
    member_funds,
    order_escrow,
    parse_account,
    partner_revenue,
    provider_clearing,
)
from c2c_api.ledger.errors import (
    AmountOutOfRange,
    HoldNotFound,
    HoldNotPending,
    InsufficientFunds,
    LedgerReferenceConflict,
    UnsupportedCurrency,
)
from c2c_api.ledger.models import (
    AccountKind,
    HoldStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerHold,
    LedgerTransaction,
)

__all__ = [
    "HOLD_EXPIRE_ACTION",
    "MAX_LEDGER_AMOUNT",
    "PAYOUTS_IN_TRANSIT",
    "PLATFORM_REVENUE",
    "LedgerSize",
    "MemberBalance",
    "Move",
    "balance",
    "check_amount",
    "check_ledger",
    "entries_page",
    "expire_hold",
    "hold",
    "ledger_size",
    "member_available",
    "member_balances",
    "member_funds",
    "order_escrow",
    "partner_revenue",
    "post",
    "post_hold",
    "provider_clearing",
    "register_invariant",
    "unregister_invariant",
    "void_hold",
]

MAX_LEDGER_AMOUNT = 10**12
# The timer of a hold with an expiry: the worker records this topic, handled by expire_hold.
HOLD_EXPIRE_ACTION = "ledger.hold_expire"
HOLD_SUBJECT = "ledger_hold"
REFERENCE_MAX = 200

AccountKey = tuple[str, str]  # (name, currency)
Entry = tuple[str, str, int]  # (account, currency, signed amount)


@dataclass(frozen=True)
class Move:
    """`amount` leaves `source` (entry -amount) and arrives at `destination` (+amount)."""

    source: str
    destination: str
    amount: int
    currency: str


@dataclass(frozen=True)
class MemberBalance:
    """A member's money in one currency: `available` (may be paid out), `funds` (paid in,
    not yet spent) and `pending_out` (held on either, by pending holds)."""

    currency: str
    available: int
    pending_out: int
    funds: int


# ---------------------------------------------------------------------------------------------
# validation


def check_amount(amount: int, *, field: str = "amount", most: int = MAX_LEDGER_AMOUNT) -> None:
    """An int of minor units from 1 to `most` (10^12), else AmountOutOfRange on `field`."""
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= most:
        raise AmountOutOfRange(fields=[field], context={"min": 1, "max": most})


def _check_currency(currency: str) -> None:
    if currency not in CURRENCIES:
        raise UnsupportedCurrency(fields=["currency"])


def _check_reference(reference: str) -> None:
    if not reference or len(reference) > REFERENCE_MAX:
        raise ValueError(f"a ledger reference has 1 to {REFERENCE_MAX} characters")


def _check_transfer(source: str, destination: str, amount: int, currency: str) -> None:
    check_amount(amount)
    _check_currency(currency)
    parse_account(source)
    parse_account(destination)
    if source == destination:
        raise ValueError(f"a move from {source!r} to itself")


def _entries_of(moves: Sequence[Move]) -> list[Entry]:
    entries: list[Entry] = []
    for move in moves:
        entries.append((move.source, move.currency, -move.amount))
        entries.append((move.destination, move.currency, move.amount))
    return entries


# ---------------------------------------------------------------------------------------------
# accounts: created on first use, locked in a fixed order


async def _create_missing_accounts(session: AsyncSession, keys: Sequence[AccountKey]) -> None:
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for name, currency in keys:  # sorted: concurrent inserts of new accounts cannot deadlock
        info = parse_account(name)
        rows.append(
            {
                "name": name,
                "currency": currency,
                "kind": info.kind,
                "may_go_negative": info.may_go_negative,
                "balance": 0,
                "pending_out": 0,
                "member_id": info.member_id,
                "order_id": info.order_id,
                "partner_id": info.partner_id,
                "created_at": now,
            }
        )
    await session.exec(dialect_insert(session)(LedgerAccount).values(rows).on_conflict_do_nothing())


async def _locked_accounts(
    session: AsyncSession, keys: Iterable[AccountKey]
) -> dict[AccountKey, LedgerAccount]:
    """Create the accounts that do not exist yet, then lock them all, in (name, currency)
    order, in one statement."""
    ordered = sorted(set(keys))
    await _create_missing_accounts(session, ordered)
    a = LedgerAccount
    statement = (
        select(a)
        .where(sa.or_(*(sa.and_(col(a.name) == n, col(a.currency) == c) for n, c in ordered)))
        .order_by(col(a.name), col(a.currency))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    accounts = {(row.name, row.currency): row for row in await session.exec(statement)}
    assert len(accounts) == len(ordered)
    return accounts


def _apply(
    session: AsyncSession,
    accounts: dict[AccountKey, LedgerAccount],
    entries: Sequence[Entry],
    *,
    pending_delta: dict[AccountKey, int] | None = None,
) -> None:
    """Apply entries (and changes of pending_out) to the locked accounts' cached balances,
    or raise InsufficientFunds before changing any."""
    deltas: Counter[AccountKey] = Counter()
    for account, currency, amount in entries:
        deltas[(account, currency)] += amount
    pending = pending_delta or {}
    changed: list[tuple[LedgerAccount, int, int]] = []
    for key in sorted(set(deltas) | set(pending)):
        row = accounts[key]
        new_balance = row.balance + deltas[key]
        new_pending = row.pending_out + pending.get(key, 0)
        drawn = deltas[key] < 0 or pending.get(key, 0) > 0
        if drawn and not row.may_go_negative and new_balance - new_pending < 0:
            raise InsufficientFunds(
                context={
                    "account": row.name,
                    "currency": row.currency,
                    "available": row.balance - row.pending_out,
                }
            )
        changed.append((row, new_balance, new_pending))
    for row, new_balance, new_pending in changed:
        row.balance = new_balance
        row.pending_out = new_pending
        session.add(row)


# ---------------------------------------------------------------------------------------------
# postings


async def _transaction_by_reference(
    session: AsyncSession, reference: str
) -> LedgerTransaction | None:
    return (
        await session.exec(
            select(LedgerTransaction)
            .where(LedgerTransaction.reference == reference)
            .execution_options(populate_existing=True)
        )
    ).first()


async def _entries_of_transaction(session: AsyncSession, transaction_id: uuid.UUID) -> list[Entry]:
    rows = await session.exec(
        select(LedgerEntry.account, LedgerEntry.currency, LedgerEntry.amount).where(
            LedgerEntry.transaction_id == transaction_id
        )
    )
    return [(account, currency, amount) for account, currency, amount in rows]


async def _same_or_conflict(
    session: AsyncSession, existing: LedgerTransaction, kind: str, entries: Sequence[Entry]
) -> LedgerTransaction:
    stored = await _entries_of_transaction(session, existing.id)
    if existing.kind != kind or sorted(stored) != sorted(entries):
        raise LedgerReferenceConflict(context={"reference": existing.reference})
    return existing


async def _write_transaction(
    session: AsyncSession,
    accounts: dict[AccountKey, LedgerAccount],
    *,
    reference: str,
    kind: str,
    entries: Sequence[Entry],
    order_id: uuid.UUID | None,
    metadata: dict[str, Any] | None,
    pending_delta: dict[AccountKey, int] | None = None,
) -> LedgerTransaction:
    _apply(session, accounts, entries, pending_delta=pending_delta)
    now = utcnow()
    transaction = LedgerTransaction(
        reference=reference, kind=kind, order_id=order_id, meta=metadata or {}, created_at=now
    )
    session.add(transaction)
    await session.flush()
    session.add_all(
        LedgerEntry(
            transaction_id=transaction.id,
            account=account,
            currency=currency,
            amount=amount,
            created_at=now,
        )
        for account, currency, amount in entries
    )
    await session.flush()
    return transaction


async def post(
    session: AsyncSession,
    *,
    reference: str,
    kind: str,
    moves: Sequence[Move],
    order_id: uuid.UUID | None = None,
    metadata: dict[str, Any] | None = None,
) -> LedgerTransaction:
    """Post a balanced transaction of `moves` once under `reference` (idempotent)."""
    _check_reference(reference)
    if not moves:
        raise ValueError("a posting needs at least one move")
    for move in moves:
        _check_transfer(move.source, move.destination, move.amount, move.currency)
    entries = _entries_of(moves)
    async with session.begin_nested():  # a refusal leaves nothing, not even new accounts
        accounts = await _locked_accounts(session, ((a, c) for a, c, _ in entries))
        # Written already (a retry), maybe by a concurrent twin that committed while we waited
        # for the locks: read once the accounts are locked.
        existing = await _transaction_by_reference(session, reference)
        if existing is not None:
            return await _same_or_conflict(session, existing, kind, entries)
        return await _write_transaction(
            session,
            accounts,
            reference=reference,
            kind=kind,
            entries=entries,
            order_id=order_id,
            metadata=metadata,
        )


# ---------------------------------------------------------------------------------------------
# holds (two-phase transfers)


async def _hold_by_reference(session: AsyncSession, reference: str) -> LedgerHold | None:
    return (
        await session.exec(
            select(LedgerHold)
            .where(LedgerHold.reference == reference)
            .execution_options(populate_existing=True)
        )
    ).first()


HoldKey = tuple[str, str, int, str, uuid.UUID | None]


def _same_hold_or_conflict(existing: LedgerHold, wanted: HoldKey) -> LedgerHold:
    """A hold asked again under its reference: the same transfer returns it (whatever its
    status now; `expires_at` is not compared), another one is a conflict."""
    stored = (
        existing.source,
        existing.destination,
        existing.amount,
        existing.currency,
        existing.order_id,
    )
    if stored != wanted:
        raise LedgerReferenceConflict(context={"reference": existing.reference})
    return existing


async def hold(
    session: AsyncSession,
    *,
    reference: str,
    source: str,
    destination: str,
    amount: int,
    currency: str,
    expires_at: datetime | None,
    order_id: uuid.UUID | None = None,
) -> LedgerHold:
    """Reserve `amount` on `source` for `destination` (idempotent by `reference`); with
    `expires_at`, a timer expires it then unless it was posted or voided."""
    _check_reference(reference)
    _check_transfer(source, destination, amount, currency)
    if expires_at is not None and expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    wanted: HoldKey = (source, destination, amount, currency, order_id)
    existing = await _hold_by_reference(session, reference)
    if existing is not None:
        return _same_hold_or_conflict(existing, wanted)
    async with session.begin_nested():
        accounts = await _locked_accounts(session, [(source, currency), (destination, currency)])
        existing = await _hold_by_reference(session, reference)
        if existing is not None:
            return _same_hold_or_conflict(existing, wanted)
        _apply(session, accounts, [], pending_delta={(source, currency): amount})
        held = LedgerHold(
            reference=reference,
            source=source,
            destination=destination,
            amount=amount,
            currency=currency,
            expires_at=expires_at,
            order_id=order_id,
            created_at=utcnow(),
        )
        session.add(held)
        await session.flush()
        if expires_at is not None:
            await schedule_timer(
                session,
                subject_type=HOLD_SUBJECT,
                subject_id=held.id,
                action=HOLD_EXPIRE_ACTION,
                due_at=expires_at,
            )
        return held


async def _locked_hold(session: AsyncSession, hold_id: uuid.UUID) -> LedgerHold:
    found = (
        await session.exec(
            select(LedgerHold)
            .where(LedgerHold.id == hold_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if found is None:
        raise HoldNotFound(fields=["holdId"])
    return found


async def _resolve(
    session: AsyncSession, held: LedgerHold, status: HoldStatus, *, release: bool = True
) -> None:
    """Mark a PENDING hold resolved, release what it held, stop its timer."""
    if release:
        accounts = await _locked_accounts(session, [(held.source, held.currency)])
        _apply(session, accounts, [], pending_delta={(held.source, held.currency): -held.amount})
    held.status = status
    held.resolved_at = utcnow()
    session.add(held)
    await session.flush()
    if held.expires_at is not None:
        await cancel_timer(
            session, subject_type=HOLD_SUBJECT, subject_id=held.id, action=HOLD_EXPIRE_ACTION
        )


async def post_hold(
    session: AsyncSession, *, hold_id: uuid.UUID, amount: int | None = None, kind: str
) -> LedgerTransaction:
    """Post all of a pending hold, or part of it (the rest is released), in one transaction."""
    held = await _locked_hold(session, hold_id)
    take = held.amount if amount is None else amount
    check_amount(take, most=held.amount)
    if held.status == HoldStatus.POSTED and held.posted_amount == take:
        assert held.transaction_id is not None
        posted = await session.get(LedgerTransaction, held.transaction_id)
        assert posted is not None
        return posted
    if held.status != HoldStatus.PENDING:
        raise HoldNotPending(fields=["holdId"], context={"status": held.status.value})
    if held.expires_at is not None and utcnow() >= held.expires_at:
        raise HoldNotPending(fields=["holdId"], context={"status": HoldStatus.EXPIRED.value})
    source = (held.source, held.currency)
    async with session.begin_nested():
        accounts = await _locked_accounts(session, [source, (held.destination, held.currency)])
        posted = await _write_transaction(
            session,
            accounts,
            reference=f"hold:{held.reference}",
            kind=kind,
            entries=_entries_of([Move(held.source, held.destination, take, held.currency)]),
            order_id=held.order_id,
            metadata={"holdId": str(held.id)},
            pending_delta={source: -held.amount},
        )
        held.transaction_id = posted.id
        held.posted_amount = take
        await _resolve(session, held, HoldStatus.POSTED, release=False)
    return posted


async def void_hold(session: AsyncSession, *, hold_id: uuid.UUID) -> LedgerHold:
    """Release a pending hold without moving money (voiding a voided hold returns it)."""
    held = await _locked_hold(session, hold_id)
    if held.status == HoldStatus.VOIDED:
        return held
    if held.status != HoldStatus.PENDING:
        raise HoldNotPending(fields=["holdId"], context={"status": held.status.value})
    await _resolve(session, held, HoldStatus.VOIDED)
    return held


async def expire_hold(session: AsyncSession, *, hold_id: uuid.UUID) -> LedgerHold:
    """The expiry timer's handler: a pending hold past its expiry becomes EXPIRED and
    releases its funds; any other hold is returned untouched."""
    held = await _locked_hold(session, hold_id)
    due = held.expires_at is not None and utcnow() >= held.expires_at
    if held.status == HoldStatus.PENDING and due:
        await _resolve(session, held, HoldStatus.EXPIRED)
    return held


# ---------------------------------------------------------------------------------------------
# reads


async def balance(session: AsyncSession, *, account: str, currency: str) -> int:
    """An account's balance in a currency (0 for an account never used)."""
    found = (
        await session.exec(
            select(LedgerAccount.balance).where(
                LedgerAccount.name == account, LedgerAccount.currency == currency
            )
        )
    ).first()
    return found or 0


async def member_balances(session: AsyncSession, *, member_id: uuid.UUID) -> list[MemberBalance]:
    """A member's balances, one per currency they hold money in (one statement)."""
    a = LedgerAccount

    def of(kind: AccountKind) -> sa.ColumnElement[int]:
        return func.coalesce(func.sum(sa.case((col(a.kind) == kind, col(a.balance)), else_=0)), 0)

    rows = await session.exec(
        select(
            col(a.currency),
            of(AccountKind.MEMBER_AVAILABLE),
            func.coalesce(func.sum(col(a.pending_out)), 0),
            of(AccountKind.MEMBER_FUNDS),
        )
        .where(a.member_id == member_id)
        .group_by(col(a.currency))
        .order_by(col(a.currency))
    )
    return [
        MemberBalance(currency=c, available=int(av), pending_out=int(p), funds=int(f))
        for c, av, p, f in rows
    ]


async def entries_page(
    session: AsyncSession,
    *,
    accounts: Sequence[str],
    limit: int,
    after: Position | None,
    currency: str | None = None,
) -> tuple[list[LedgerEntry], bool]:
    """The entries of some accounts, newest first: a keyset page and whether more follow."""
    query = select(LedgerEntry).where(col(LedgerEntry.account).in_(list(accounts)))
    if currency is not None:
        query = query.where(LedgerEntry.currency == currency)
    return await keyset_page(
        session,
        query,
        created_at=col(LedgerEntry.created_at),
        ident=col(LedgerEntry.id),
        after=after,
        limit=limit,
    )


# ---------------------------------------------------------------------------------------------
# the check

InvariantCheck = Callable[[AsyncSession], Awaitable[list[str]]]
_invariants: dict[str, InvariantCheck] = {}


def register_invariant(name: str, check: InvariantCheck) -> None:
    """Add an invariant check_ledger runs (another domain's: "escrow matches the order")."""
    _invariants[name] = check


def unregister_invariant(name: str) -> None:
    _invariants.pop(name, None)


@dataclass(frozen=True)
class LedgerSize:
    transactions: int
    entries: int
    accounts: int


async def ledger_size(session: AsyncSession) -> LedgerSize:
    """How many transactions, entries and accounts the ledger holds (one statement)."""
    row = (
        await session.exec(
            select(
                select(func.count()).select_from(LedgerTransaction).scalar_subquery(),
                select(func.count()).select_from(LedgerEntry).scalar_subquery(),
                select(func.count()).select_from(LedgerAccount).scalar_subquery(),
            )
        )
    ).one()
    return LedgerSize(*(int(n) for n in row))


async def check_ledger(session: AsyncSession) -> list[str]:
    """Every violated invariant, one readable line each (empty: the ledger is sound).

    Each invariant is one statement (so it reads one snapshot): entries balance per
    transaction and currency, and over the whole ledger; cached balances equal their entries;
    no account that may not go negative is below zero, pending holds included; pending_out
    equals the account's pending holds; posted holds have their transaction; then the
    registered invariants.
    """
    e, a, h = LedgerEntry, LedgerAccount, LedgerHold
    problems: list[str] = []

    unbalanced = await session.exec(
        select(col(e.transaction_id), col(e.currency), func.sum(col(e.amount)))
        .group_by(col(e.transaction_id), col(e.currency))
        .having(func.sum(col(e.amount)) != 0)
        .order_by(col(e.transaction_id), col(e.currency))
    )
    for txn, currency, total in unbalanced:
        problems.append(f"transaction {txn}: its {currency} entries sum to {total}, not 0")

    totals = await session.exec(
        select(col(e.currency), func.sum(col(e.amount)))
        .group_by(col(e.currency))
        .having(func.sum(col(e.amount)) != 0)
        .order_by(col(e.currency))
    )
    for currency, total in totals:
        problems.append(f"all {currency} entries sum to {total}, not 0")

    sums = (
        select(
            col(e.account).label("account"),
            col(e.currency).label("currency"),
            func.sum(col(e.amount)).label("total"),
        )
        .group_by(col(e.account), col(e.currency))
        .subquery()
    )
    summed = func.coalesce(sums.c.total, 0)
    stale = await session.exec(
        select(col(a.name), col(a.currency), col(a.balance), summed)
        .outerjoin(sums, sa.and_(sums.c.account == a.name, sums.c.currency == a.currency))
        .where(col(a.balance) != summed)
        .order_by(col(a.name), col(a.currency))
    )
    for name, currency, cached, total in stale:
        problems.append(f"account {name} {currency}: balance {cached}, its entries sum to {total}")

    negative = await session.exec(
        select(col(a.name), col(a.currency), col(a.balance), col(a.pending_out))
        .where(
            sa.not_(col(a.may_go_negative)),
            sa.or_(col(a.balance) < 0, col(a.balance) - col(a.pending_out) < 0),
        )
        .order_by(col(a.name), col(a.currency))
    )
    for name, currency, amount, pending in negative:
        problems.append(
            f"account {name} {currency} may not go negative: balance {amount}, "
            f"pending out {pending}"
        )

    holds = (
        select(
            col(h.source).label("account"),
            col(h.currency).label("currency"),
            func.sum(col(h.amount)).label("total"),
        )
        .where(h.status == HoldStatus.PENDING)
        .group_by(col(h.source), col(h.currency))
        .subquery()
    )
    held = func.coalesce(holds.c.total, 0)
    pending_wrong = await session.exec(
        select(col(a.name), col(a.currency), col(a.pending_out), held)
        .outerjoin(holds, sa.and_(holds.c.account == a.name, holds.c.currency == a.currency))
        .where(col(a.pending_out) != held)
        .order_by(col(a.name), col(a.currency))
    )
    for name, currency, pending, total in pending_wrong:
        problems.append(
            f"account {name} {currency}: pending_out {pending}, its pending holds sum to {total}"
        )

    unposted = await session.exec(
        select(col(h.id), col(h.reference))
        .where(
            h.status == HoldStatus.POSTED,
            sa.or_(col(h.transaction_id).is_(None), col(h.posted_amount).is_(None)),
        )
        .order_by(col(h.id))
    )
    for hold_id, reference in unposted:
        problems.append(f"hold {hold_id} ({reference}) is POSTED without its transaction")

    for name, check in sorted(_invariants.items()):
        problems.extend(f"{name}: {line}" for line in await check(session))
    return problems
