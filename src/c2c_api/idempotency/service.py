"""Run a use case once per (caller, key); the same key answers the first result again.

    caller_of(actor)                          whose keys: "member:<id>", "partner:<id>", …
    check_key(key, field=…)                   a well-formed key, or INVALID_INPUT on `field`
    run_once(db, caller=…, key=…, operation=…, arguments=…, use_case=…)    one transaction
    answer_work_once(db, …, work=…)           several transactions: work(claim) opens each
                                              with claim.transaction(), answers with
                                              claim.complete(session, value) in its last
    claim(db, caller=…, …) as c               a claim committed apart (c.replay, c.complete)
    purge_expired(session, now=…)             `c2c-api idempotency purge`

The rules (IETF draft "The Idempotency-Key HTTP Header Field", Stripe; TigerBeetle for
failures), docs/idempotency.md:

1. The key is claimed in the first transaction of the work, before anything else in it
   (INSERT … ON CONFLICT DO NOTHING; on a conflict, the row is read). A request with a key
   whose first transaction is still open waits on the key's row until that transaction ends.
   Same key, other operation or arguments: IdempotencyKeyReused. Answered: the answer again,
   nothing runs. Claimed (committed, the work goes on in other transactions) and its lease
   alive: IdempotencyKeyInUse. Lease over (its holder died) or key expired: taken over by a
   conditional UPDATE on the old claim token, so two takers cannot both win.
2. The answer is written in the last transaction of the work (`complete`, conditional on our
   claim token): the change and the answer commit together or not at all. Work done in one
   transaction (run_once) claims and answers in that one transaction, committed once: a
   concurrent request with the key never sees it in progress, it waits and gets the answer.
3. A domain error is the answer too: a retry gets the same error rather than another outcome
   later. Raised in the first transaction, the work is rolled back to a savepoint taken just
   after the claim and the error stored in that transaction; raised later, it is stored in a
   transaction of its own. A retryable one (`DomainError.retryable`: RateLimited, a provider
   that is down) releases the key instead, and so does any other exception (a bug, a lost
   connection): a retry runs again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api import errors as kernel_errors
from c2c_api.authz import Actor
from c2c_api.db import (
    Database,
    after_rollback_mark,
    rolled_back_since,
    run_after_rollback,
)
from c2c_api.errors import DomainError, ErrorCode, InvalidInput, ReplayedError, Unauthenticated
from c2c_api.i18n import translatable
from c2c_api.idempotency.errors import (
    IdempotencyKeyInUse,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
)
from c2c_api.idempotency.models import CALLER_MAX, KEY_MAX, IdempotencyKey, KeyStatus
from c2c_api.kit.clock import utcnow
from c2c_api.kit.text import has_control_characters

log = logging.getLogger(__name__)

# How long a claim holds its key before a retry may take it over (its holder is presumed dead).
# Longer than the slowest use case, provider calls included.
LEASE = timedelta(seconds=60)
INVALID_KEY = translatable(
    "Give an idempotency key of 1 to 255 characters, without control characters."
)

UseCase = Callable[[AsyncSession], Awaitable[dict[str, Any]]]
# Stores the answer in the session of the work's last transaction (Claim.complete).
Complete = Callable[[AsyncSession, Mapping[str, Any]], Awaitable[dict[str, Any]]]
# Opens a transaction of the work (Claim.transaction: the first one claims the key).
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# Work spanning several transactions: it opens each with `claim.transaction()` and calls
# `claim.complete` in its last one.
Work = Callable[["Claim"], Awaitable[dict[str, Any]]]


def caller_of(actor: Actor) -> str:
    """The scope of the actor's keys: two callers may use the same key independently."""
    if actor.member_id is not None:  # operators are members too
        return f"member:{actor.member_id}"
    if actor.partner_id is not None:
        return f"partner:{actor.partner_id}"
    if actor.client_id:
        caller = f"client:{actor.client_id}"
        if len(caller) > CALLER_MAX:
            caller = "client#" + hashlib.sha256(actor.client_id.encode()).hexdigest()
        return caller
    raise Unauthenticated()


def check_key(key: str | None, *, field: str) -> str:
    """The key when well formed; IdempotencyKeyRequired when absent, else INVALID_INPUT."""
    if key is None:
        raise IdempotencyKeyRequired(fields=[field])
    if not key or len(key) > KEY_MAX or has_control_characters(key):
        raise InvalidInput(INVALID_KEY, fields=[field])
    return key


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (date, time_of_day)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON-able in an idempotent request: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """One text per value: keys sorted, no spaces; UUIDs, datetimes (UTC), decimals and enums
    as strings."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable
    )


def request_hash(arguments: Mapping[str, Any]) -> str:
    """sha256 (hex) of the arguments' canonical JSON."""
    return hashlib.sha256(canonical_json(dict(arguments)).encode()).hexdigest()


def _kernel_family(cls: type[DomainError]) -> str:
    """The nearest class of c2c_api.errors along the MRO: what transports map (a domain's own
    classes add only a code, which is stored beside)."""
    for klass in cls.__mro__:
        if klass.__module__ == kernel_errors.__name__ and issubclass(klass, DomainError):
            return klass.__name__
    return DomainError.__name__


@dataclass(frozen=True)
class StoredError:
    """A domain error kept as a key's answer."""

    code: str
    message: str
    fields: list[str] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    family: str = DomainError.__name__

    @classmethod
    def of(cls, error: DomainError) -> StoredError:
        return cls(
            code=error.code.value,
            message=error.message,  # English: translated when answered
            fields=list(error.fields),
            context=json.loads(canonical_json(error.context)),
            family=_kernel_family(error.family),
        )

    def as_error(self) -> ReplayedError:
        """The error to raise again: same code, message, fields and context; it maps to the
        REST status and GraphQL answer of the original."""
        family = getattr(kernel_errors, self.family, None)
        if not (isinstance(family, type) and issubclass(family, DomainError)):
            family = DomainError
        try:
            code = ErrorCode(self.code)
        except ValueError:  # a code retired since: answer with its family's
            code = family.code
        return ReplayedError(
            self.message, code=code, family=family, fields=self.fields, context=self.context
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "fields": self.fields,
            "context": self.context,
            "family": self.family,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StoredError:
        return cls(
            code=str(data["code"]),
            message=str(data["message"]),
            fields=list(data.get("fields") or []),
            context=dict(data.get("context") or {}),
            family=str(data.get("family") or DomainError.__name__),
        )


@dataclass(frozen=True)
class Outcome:
    """A key's stored answer: the value the use case returned, or the domain error it raised."""

    value: dict[str, Any] | None = None
    error: StoredError | None = None

    def raise_or_value(self) -> dict[str, Any]:
        """The value; a stored error is raised again (a ReplayedError with its code)."""
        if self.error is not None:
            raise self.error.as_error()
        return dict(self.value or {})

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> Outcome:
        if "error" in result:
            return cls(error=StoredError.from_json(result["error"]))
        return cls(value=dict(result.get("value") or {}))


@dataclass(frozen=True)
class Answer:
    """What run_once answered, and whether it is a replay (REST: `Idempotent-Replayed`)."""

    value: dict[str, Any]
    replayed: bool


# The statements of every claimed key, built once (Core, on the table: no ORM machinery).
_KEYS: sa.Table = IdempotencyKey.__table__  # type: ignore[attr-defined]
_CLAIM = {
    name: insert(_KEYS)
    .on_conflict_do_nothing(index_elements=["caller", "key"])
    .returning(_KEYS.c.key)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_OURS = sa.and_(
    _KEYS.c.caller == sa.bindparam("b_caller"),
    _KEYS.c.key == sa.bindparam("b_key"),
    _KEYS.c.claim_token == sa.bindparam("b_token"),
    _KEYS.c.status == KeyStatus.IN_PROGRESS,
)
_FINISH = (
    sa.update(_KEYS)
    .where(_OURS)
    .values(
        status=KeyStatus.COMPLETED,
        result=sa.bindparam("b_result"),
        locked_until=None,
        expires_at=sa.bindparam("b_expires_at"),
    )
)


NOT_CLAIMED = "the key is not claimed: open the work's first transaction with Claim.transaction()"


class _Replay(Exception):
    """Raised on entering the work's first transaction when the key already holds an answer:
    the work does not run; `answer_work_once` answers the outcome."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("the key holds an answer")
        self.outcome = outcome


class Claim:
    """A key claimed for one request: in the first transaction of its work
    (`transaction()`), or apart (`claim`)."""

    def __init__(
        self,
        db: Database,
        *,
        caller: str,
        key: str,
        operation: str,
        digest: str,
        token: uuid.UUID,
        ttl: timedelta,
        lease: timedelta,
    ) -> None:
        self.db = db
        self.caller = caller
        self.key = key
        self.operation = operation
        self.digest = digest
        self.token = token
        self.ttl = ttl
        self.lease = lease
        self.replay: Outcome | None = None
        self.started = False  # the first transaction was opened
        self.claimed = False  # our claim is committed, no answer yet: the key is ours
        self.answered = False  # an answer (a value or an error) is committed
        self.completed = False  # `complete` ran (its transaction may still fail)
        self._first: AsyncSession | None = None  # the first transaction while it is open

    def _ours(self) -> dict[str, Any]:
        """The parameters of `_OURS`: the key while we hold it (our claim, still running)."""
        return {"b_caller": self.caller, "b_key": self.key, "b_token": self.token}

    @property
    def open(self) -> bool:
        """Claimed and committed, not answered: a failure must store its error or release."""
        return self.claimed and not self.answered

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction of the work (`Database.transaction`). The first claims the key in it
        before anything else: it raises IdempotencyKeyReused / IdempotencyKeyInUse, or waits
        for a transaction holding the key uncommitted; when the key holds an answer, the work
        is left at once (`answer_work_once` answers it). A domain error raised in the first
        transaction rolls it back to just after the claim and is stored there as the answer
        (a retryable one rolls everything back: the key stays free)."""
        if self.started:
            if not self.claimed:  # the first one failed: the work must not go on
                raise RuntimeError(NOT_CLAIMED)
            async with self.db.transaction() as session:
                yield session
            return
        self.started = True
        undone: list[Callable[[], Awaitable[None]]] = []
        refused: DomainError | None = None
        try:
            async with self.db.transaction() as session:
                replay = await self._take(session)
                if replay is not None:
                    raise _Replay(replay)
                connection = await session.connection()
                savepoint = await connection.begin_nested()
                mark = after_rollback_mark(session)
                self._first = session
                try:
                    yield session
                except DomainError as error:
                    if error.retryable:
                        raise
                    await savepoint.rollback()
                    session.expunge_all()  # objects of the rolled-back work are gone
                    undone = rolled_back_since(session, mark)
                    self.completed = False
                    await self._finish(session, {"error": StoredError.of(error).to_json()})
                    refused = error
                finally:
                    self._first = None
                # Left open otherwise: the commit ends it with the transaction (no RELEASE).
        finally:
            await run_after_rollback(undone)
        if refused is not None:
            self.answered = True
            raise refused
        if self.completed:
            self.answered = True
        else:
            self.claimed = True

    async def _take(self, session: AsyncSession) -> Outcome | None:
        return await _take(
            session,
            caller=self.caller,
            key=self.key,
            operation=self.operation,
            digest=self.digest,
            token=self.token,
            lease=self.lease,
            ttl=self.ttl,
        )

    async def complete(self, session: AsyncSession, value: Mapping[str, Any]) -> dict[str, Any]:
        """Store `value` as the key's answer in `session`, the transaction of the work's last
        change (both commit or neither); the value as it will be answered again (JSON).

        Raises IdempotencyKeyInUse when the claim was lost meanwhile (its lease ran out and a
        retry took it over): the transaction must then roll back.
        """
        if self.replay is not None:
            raise RuntimeError("a replayed claim has nothing to complete")
        if not self.claimed and (self._first is None or session is not self._first):
            raise RuntimeError(NOT_CLAIMED)
        stored: dict[str, Any] = json.loads(canonical_json(dict(value)))
        if not await self._finish(session, {"value": stored}):
            raise IdempotencyKeyInUse()
        self.completed = True
        return stored

    async def _finish(self, session: AsyncSession, result: dict[str, Any]) -> bool:
        """Mark the key answered with `result`; False when the claim is no longer ours."""
        connection = await session.connection()
        outcome = await connection.execute(
            _FINISH, {**self._ours(), "b_result": result, "b_expires_at": utcnow() + self.ttl}
        )
        return bool(outcome.rowcount == 1)

    async def store_error(self, db: Database, error: DomainError) -> None:
        """Keep a domain error as the key's answer, in a transaction of its own (not when the
        claim was lost meanwhile: the new holder answers)."""

        async def store(session: AsyncSession) -> None:
            await self._finish(session, {"error": StoredError.of(error).to_json()})

        await db.record_apart(store)
        self.answered = True

    async def release(self, db: Database) -> None:
        """Delete the key while we still hold it: a retry runs the operation again."""

        async def delete(session: AsyncSession) -> None:
            connection = await session.connection()
            await connection.execute(sa.delete(_KEYS).where(_OURS), self._ours())

        await db.record_apart(delete)
        self.claimed = False


async def _read(session: AsyncSession, caller: str, key: str) -> IdempotencyKey | None:
    """The key as committed now (populate_existing: not as this session read it before)."""
    return (
        await session.exec(
            select(IdempotencyKey)
            .where(IdempotencyKey.caller == caller, IdempotencyKey.key == key)
            .execution_options(populate_existing=True)
        )
    ).first()


def _answer_of(row: IdempotencyKey, operation: str, digest: str) -> Outcome | None:
    """The answer a live key holds for this request (None while it runs); IdempotencyKeyReused
    for another operation or other arguments."""
    if row.operation != operation or row.request_hash != digest:
        raise IdempotencyKeyReused(context={"operation": row.operation})
    if row.status == KeyStatus.COMPLETED and row.result is not None:
        return Outcome.from_result(row.result)
    return None


async def _take(
    session: AsyncSession,
    *,
    caller: str,
    key: str,
    operation: str,
    digest: str,
    token: uuid.UUID,
    lease: timedelta,
    ttl: timedelta,
) -> Outcome | None:
    """Claim the key (None) or answer what it holds (an Outcome); see the module docstring."""
    now = utcnow()
    claimed = {
        "operation": operation,
        "request_hash": digest,
        "status": KeyStatus.IN_PROGRESS,
        "claim_token": token,
        "locked_until": now + lease,
        "created_at": now,
        "expires_at": now + ttl,
    }
    # Waits while another open transaction holds the key uncommitted (its first transaction):
    # then claims it if that one rolled back, else reads what it committed.
    connection = await session.connection()
    inserted = await connection.execute(
        _CLAIM[connection.dialect.name], {"caller": caller, "key": key, **claimed}
    )
    if inserted.first() is not None:  # a new key: ours (one statement, the common case)
        return None
    row = await _read(session, caller, key)
    if row is None:  # released between our insert and our read: the retry will claim it
        raise IdempotencyKeyInUse()
    if row.claim_token == token:
        return None
    expired = row.expires_at <= now
    if not expired:
        answer = _answer_of(row, operation, digest)
        if answer is not None:
            return answer
        if row.locked_until is not None and row.locked_until > now:
            raise IdempotencyKeyInUse()
    # Expired, or its holder's lease is over: take it over, unless another retry did first.
    taken = await session.exec(
        sa.update(IdempotencyKey)
        .where(
            col(IdempotencyKey.caller) == caller,
            col(IdempotencyKey.key) == key,
            col(IdempotencyKey.claim_token) == row.claim_token,
        )
        .values(result=sa.null(), **claimed)
    )
    if taken.rowcount != 1:
        # Another retry took it over first (we waited on its row): it may have answered.
        row = await _read(session, caller, key)
        if row is not None and row.expires_at > now:
            answer = _answer_of(row, operation, digest)
            if answer is not None:
                return answer
        raise IdempotencyKeyInUse()
    return None


def _claim_of(
    db: Database,
    *,
    caller: str,
    key: str,
    operation: str,
    arguments: Mapping[str, Any],
    lease: timedelta,
) -> Claim:
    return Claim(
        db,
        caller=caller,
        key=key,
        operation=operation,
        digest=request_hash(arguments),
        token=uuid.uuid4(),
        ttl=timedelta(hours=db.settings.idempotency_ttl_hours),
        lease=lease,
    )


async def _left(held: Claim, error: BaseException) -> None:
    """The work raised after its claim was committed: keep a domain error as the answer
    (release the key for a retryable one or any other exception)."""
    if not held.open:
        return
    if isinstance(error, DomainError) and not error.retryable:
        await _quietly(held.store_error(held.db, error), "store the error of")
    else:
        await _quietly(held.release(held.db), "release")


@asynccontextmanager
async def claim(
    db: Database,
    *,
    caller: str,
    key: str,
    operation: str,
    arguments: Mapping[str, Any],
    lease: timedelta = LEASE,
) -> AsyncIterator[Claim]:
    """Claim `key` in a transaction of its own, committed before the work (a holder other
    requests see in progress: IdempotencyKeyInUse).

    `c.replay` is the stored Outcome when the key was answered before (return
    `c.replay.raise_or_value()`, run nothing); else run the work and call
    `await c.complete(session, value)` inside its last transaction. Leaving the block with a
    DomainError stores it as the answer (a retryable one releases the key); any other
    exception, or leaving without `complete`, releases the key. Raises IdempotencyKeyReused /
    IdempotencyKeyInUse on entry. `answer_work_once` claims in the work's first transaction
    instead (one commit fewer).
    """
    held = _claim_of(
        db, caller=caller, key=key, operation=operation, arguments=arguments, lease=lease
    )
    try:
        async with held.transaction():
            pass
    except _Replay as replay:
        held.replay = replay.outcome
        yield held
        return
    try:
        yield held
    except BaseException as error:
        await _left(held, error)
        raise
    if held.open and not held.completed:  # left without an answer: nothing to answer again
        await _quietly(held.release(db), "release")


async def _quietly(action: Awaitable[None], what: str) -> None:
    """Run a clean-up without hiding the error being raised (the lease ends the claim anyway)."""
    try:
        await action
    except Exception:
        log.warning("could not %s an idempotency key", what, exc_info=True)


async def answer_work_once(
    db: Database,
    *,
    caller: str,
    key: str,
    operation: str,
    arguments: Mapping[str, Any],
    work: Work,
    lease: timedelta = LEASE,
) -> Answer:
    """Run `work` once per (caller, key); a replay answers the stored value (or raises its
    error) without running it.

    `work(claim)` opens every transaction with `claim.transaction()`: the first claims the
    key (a replay leaves the work there), and a domain error raised in it is stored as the
    answer with what the first transaction wrote rolled back. It answers with
    `claim.complete(session, value)` in its last transaction (the first, for work done in
    one). A domain error raised after the first transaction committed is stored apart; a
    retryable one, any other exception, or returning without `complete` releases the key.
    """
    held = _claim_of(
        db, caller=caller, key=key, operation=operation, arguments=arguments, lease=lease
    )
    try:
        value = await work(held)
    except _Replay as replay:
        return Answer(replay.outcome.raise_or_value(), replayed=True)
    except DomainError as error:
        if not held.started and not error.retryable:
            # Refused before its first transaction: the key answers this error (or, when it
            # holds an answer already, that one).
            return await _refused_before(held, error)
        await _left(held, error)
        raise
    except BaseException as error:
        await _left(held, error)
        raise
    if held.open and not held.completed:  # returned without an answer: nothing to answer
        await _quietly(held.release(db), "release")
    return Answer(json.loads(canonical_json(value)), replayed=False)


async def _refused_before(held: Claim, error: DomainError) -> Answer:
    try:
        async with held.transaction():
            raise error
    except _Replay as replay:
        return Answer(replay.outcome.raise_or_value(), replayed=True)


async def answer_once(
    db: Database,
    *,
    caller: str,
    key: str,
    operation: str,
    arguments: Mapping[str, Any],
    use_case: UseCase,
    lease: timedelta = LEASE,
) -> Answer:
    """`run_once`, telling a replay from a first answer."""

    async def work(held: Claim) -> dict[str, Any]:
        async with held.transaction() as session:
            return await held.complete(session, await use_case(session))

    return await answer_work_once(
        db,
        caller=caller,
        key=key,
        operation=operation,
        arguments=arguments,
        work=work,
        lease=lease,
    )


async def run_once(
    db: Database,
    *,
    caller: str,
    key: str,
    operation: str,
    arguments: Mapping[str, Any],
    use_case: UseCase,
    lease: timedelta = LEASE,
) -> dict[str, Any]:
    """Run `use_case` once per (caller, key), in one transaction that also claims the key and
    stores the answer (one commit): a retry with the same arguments answers its value (as
    JSON) or raises its domain error again; a concurrent one waits for the first's commit,
    then does the same."""
    answer = await answer_once(
        db,
        caller=caller,
        key=key,
        operation=operation,
        arguments=arguments,
        use_case=use_case,
        lease=lease,
    )
    return answer.value


async def purge_expired(session: AsyncSession, *, now: datetime, limit: int = 10_000) -> int:
    """Delete up to `limit` keys expired at `now` (a claim still running is kept); how many."""
    expired = (
        select(IdempotencyKey.caller, IdempotencyKey.key)
        .where(
            col(IdempotencyKey.expires_at) <= now,
            sa.or_(
                col(IdempotencyKey.status) == KeyStatus.COMPLETED,
                col(IdempotencyKey.locked_until).is_(None),
                col(IdempotencyKey.locked_until) <= now,
            ),
        )
        .limit(limit)
    )
    deleted = await session.exec(
        sa.delete(IdempotencyKey).where(
            sa.tuple_(col(IdempotencyKey.caller), col(IdempotencyKey.key)).in_(expired)
        )
    )
    return int(deleted.rowcount or 0)
