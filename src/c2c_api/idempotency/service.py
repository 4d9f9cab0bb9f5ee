"""Run a use case once per (caller, key); the same key answers the first result again.

    caller_of(actor)                          whose keys: "member:<id>", "partner:<id>", …
    check_key(key, field=…)                   a well-formed key, or INVALID_INPUT on `field`
    run_once(db, caller=…, key=…, operation=…, arguments=…, use_case=…)    one transaction
    claim(db, caller=…, …) as c               several transactions: c.replay, c.complete(…)
    purge_expired(session, now=…)             `c2c-api idempotency purge`

The rules (IETF draft "The Idempotency-Key HTTP Header Field", Stripe; TigerBeetle for
failures), docs/idempotency.md:

1. The key is claimed in a transaction of its own, committed before the work
   (INSERT … ON CONFLICT DO NOTHING, then read): another request with the key then sees the
   claim. Same key, other operation or arguments: IdempotencyKeyReused. Answered: the answer
   again, nothing runs. Claimed and its lease alive: IdempotencyKeyInUse. Lease over (its
   holder died) or key expired: taken over by a conditional UPDATE on the old claim token,
   so two takers cannot both win.
2. The answer is written in the last transaction of the work (`complete`, conditional on our
   claim token): the change and the answer commit together or not at all.
3. A domain error is the answer too, stored apart: a retry gets the same error rather than
   another outcome later. A retryable one (`DomainError.retryable`: RateLimited, a provider
   that is down) releases the key instead, and so does any other exception (a bug, a lost
   connection): a retry runs again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
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
from c2c_api.db import Database
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
# Work spanning several transactions: it calls `complete` in its last one.
Work = Callable[[Complete], Awaitable[dict[str, Any]]]


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


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(IdempotencyKey)


class Claim:
    """A key claimed for one request (see `claim`)."""

    def __init__(
        self,
        *,
        caller: str,
        key: str,
        token: uuid.UUID,
        ttl: timedelta,
        replay: Outcome | None,
    ) -> None:
        self.caller = caller
        self.key = key
        self.token = token
        self.ttl = ttl
        self.replay = replay
        self.completed = False

    def _ours(self) -> sa.ColumnElement[bool]:
        """The key while we hold it: our claim, still running."""
        return sa.and_(
            col(IdempotencyKey.caller) == self.caller,
            col(IdempotencyKey.key) == self.key,
            col(IdempotencyKey.claim_token) == self.token,
            col(IdempotencyKey.status) == KeyStatus.IN_PROGRESS,
        )

    async def complete(self, session: AsyncSession, value: Mapping[str, Any]) -> dict[str, Any]:
        """Store `value` as the key's answer in `session`, the transaction of the work's last
        change (both commit or neither); the value as it will be answered again (JSON).

        Raises IdempotencyKeyInUse when the claim was lost meanwhile (its lease ran out and a
        retry took it over): the transaction must then roll back.
        """
        if self.replay is not None:
            raise RuntimeError("a replayed claim has nothing to complete")
        stored: dict[str, Any] = json.loads(canonical_json(dict(value)))
        if not await self._finish(session, {"value": stored}):
            raise IdempotencyKeyInUse()
        self.completed = True
        return stored

    async def _finish(self, session: AsyncSession, result: dict[str, Any]) -> bool:
        """Mark the key answered with `result`; False when the claim is no longer ours."""
        outcome = await session.exec(
            sa.update(IdempotencyKey)
            .where(self._ours())
            .values(
                status=KeyStatus.COMPLETED,
                result=result,
                locked_until=None,
                expires_at=utcnow() + self.ttl,
            )
        )
        return bool(outcome.rowcount == 1)

    async def store_error(self, db: Database, error: DomainError) -> None:
        """Keep a domain error as the key's answer, in a transaction of its own (not when the
        claim was lost meanwhile: the new holder answers)."""

        async def store(session: AsyncSession) -> None:
            await self._finish(session, {"error": StoredError.of(error).to_json()})

        await db.record_apart(store)

    async def release(self, db: Database) -> None:
        """Delete the key while we still hold it: a retry runs the operation again."""

        async def delete(session: AsyncSession) -> None:
            await session.exec(sa.delete(IdempotencyKey).where(self._ours()))

        await db.record_apart(delete)


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
    inserted = await session.exec(
        _insert(session)
        .values(caller=caller, key=key, **claimed)
        .on_conflict_do_nothing(index_elements=["caller", "key"])
        .returning(col(IdempotencyKey.key))
    )
    if inserted.first() is not None:  # a new key: ours (one statement, the common case)
        return None
    row = (
        await session.exec(
            select(IdempotencyKey).where(IdempotencyKey.caller == caller, IdempotencyKey.key == key)
        )
    ).first()
    if row is None:  # released between our insert and our read: the retry will claim it
        raise IdempotencyKeyInUse()
    if row.claim_token == token:
        return None
    expired = row.expires_at <= now
    if not expired:
        if row.operation != operation or row.request_hash != digest:
            raise IdempotencyKeyReused(context={"operation": row.operation})
        if row.status == KeyStatus.COMPLETED and row.result is not None:
            return Outcome.from_result(row.result)
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
        raise IdempotencyKeyInUse()
    return None


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
    """Claim `key` for a use case spanning several transactions (paying calls the provider
    between two of them).

    `c.replay` is the stored Outcome when the key was answered before (return
    `c.replay.raise_or_value()`, run nothing); else run the work and call
    `await c.complete(session, value)` inside its last transaction. Leaving the block with a
    DomainError stores it as the answer (a retryable one releases the key); any other
    exception, or leaving without `complete`, releases the key. Raises IdempotencyKeyReused /
    IdempotencyKeyInUse on entry.
    """
    digest = request_hash(arguments)
    ttl = timedelta(hours=db.settings.idempotency_ttl_hours)
    token = uuid.uuid4()

    async def take(session: AsyncSession) -> Outcome | None:
        return await _take(
            session,
            caller=caller,
            key=key,
            operation=operation,
            digest=digest,
            token=token,
            lease=lease,
            ttl=ttl,
        )

    replay = await db.record_apart(take)
    held = Claim(caller=caller, key=key, token=token, ttl=ttl, replay=replay)
    if replay is not None:
        yield held
        return
    try:
        yield held
    except DomainError as error:
        if error.retryable:
            await _quietly(held.release(db), "release")
        else:
            await _quietly(held.store_error(db, error), "store the error of")
        raise
    except BaseException:
        await _quietly(held.release(db), "release")
        raise
    if not held.completed:  # left without an answer: nothing to answer again
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
    """Run `work` once per (caller, key) when it spans several transactions (paying calls the
    provider between two): `work(complete)` calls `complete(session, value)` in its last
    transaction; a replay answers the stored value (or raises its error) without running."""
    async with claim(
        db, caller=caller, key=key, operation=operation, arguments=arguments, lease=lease
    ) as held:
        if held.replay is not None:
            return Answer(held.replay.raise_or_value(), replayed=True)
        value = await work(held.complete)
        return Answer(json.loads(canonical_json(value)), replayed=False)


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

    async def work(complete: Complete) -> dict[str, Any]:
        async with db.transaction() as session:
            return await complete(session, await use_case(session))

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
    """Run `use_case` in one transaction, once per (caller, key): a retry with the same
    arguments answers its value (as JSON) or raises its domain error again."""
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
