"""Throttling by counting recent attempts: sign-ins, sign-ups, password checks.

Every attempt is a row of `login_attempts` (`email` = the subject key, `address` = the client
address). Sign-ins use the bare keys (the normalised e-mail address and the client address);
other kinds prefix both with their name ("signup:…", "password:…") so that their counts stay
apart.

The attempt is recorded *before* the expensive check (Argon2) and atomically with the count that
admits it: on PostgreSQL the transaction takes a transaction-scoped advisory lock per key
(subject and address, in a fixed order), counts, inserts, and releases the locks at commit; on
SQLite write transactions are serialised (BEGIN IMMEDIATE). So N simultaneous attempts admit at
most `max_per_subject` of them, never N. Commit the claim before doing the slow check.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.auth.models import LoginAttempt
from c2c_api.kit.clock import utcnow

SUBJECT_MAX = 254
ADDRESS_MAX = 64


@dataclass(frozen=True)
class Rule:
    """How many failed attempts a subject and an address may make within a window."""

    kind: str  # "" for sign-ins; otherwise the prefix of the keys
    max_per_subject: int
    max_per_address: int
    window: int  # seconds
    # A success clears the subject's earlier failures (not the address's).
    reset_on_success: bool = True


def subject_key(rule: Rule, subject: str) -> str:
    return (f"{rule.kind}:{subject}" if rule.kind else subject)[:SUBJECT_MAX]


def address_key(rule: Rule, address: str) -> str:
    return (f"{rule.kind}:{address}" if rule.kind else address)[:ADDRESS_MAX]


def _lock_id(key: str) -> int:
    raw = hashlib.sha256(b"c2c-api throttle:" + key.encode("utf-8", "replace")).digest()
    return int.from_bytes(raw[:8], "big", signed=True)


async def _lock(session: AsyncSession, keys: list[str]) -> None:
    """Serialise claims on the same keys until the transaction ends (PostgreSQL)."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the write transaction already holds the database lock
    for lock_id in sorted({_lock_id(k) for k in keys}):
        await session.exec(select(sa.func.pg_advisory_xact_lock(lock_id)))


async def is_exceeded(session: AsyncSession, rule: Rule, *, subject: str, address: str) -> bool:
    """Whether the subject or the address reached its limit within the window."""
    since: datetime = utcnow() - timedelta(seconds=rule.window)
    at = col(LoginAttempt.at)
    subject_after: Any = at >= since
    if rule.reset_on_success:
        last_success = (
            await session.exec(
                select(sa.func.max(LoginAttempt.at)).where(
                    col(LoginAttempt.email) == subject,
                    at >= since,
                    col(LoginAttempt.succeeded).is_(True),
                )
            )
        ).one()
        if last_success is not None:
            subject_after = at > last_success

    def failures(column: Any, value: str, after: Any) -> sa.ScalarSelect[int]:
        return (
            sa.select(sa.func.count())
            .select_from(LoginAttempt)
            .where(column == value, after, col(LoginAttempt.succeeded).is_(False))
            .scalar_subquery()
        )

    by_subject, by_address = (
        await session.exec(
            select(
                failures(col(LoginAttempt.email), subject, subject_after),
                failures(col(LoginAttempt.address), address, at >= since),
            )
        )
    ).one()
    return bool(by_subject >= rule.max_per_subject or by_address >= rule.max_per_address)


async def claim(
    session: AsyncSession, rule: Rule, *, subject: str, address: str
) -> uuid.UUID | None:
    """Record one attempt (counted as failed until `succeeded`) unless a limit is reached.

    Returns the attempt's id, or None when throttled (nothing recorded).
    """
    subject, address = subject_key(rule, subject), address_key(rule, address)
    await _lock(session, [subject, address])
    if await is_exceeded(session, rule, subject=subject, address=address):
        return None
    attempt_id = uuid.uuid4()
    session.add(
        LoginAttempt(id=attempt_id, email=subject, address=address, succeeded=False, at=utcnow())
    )
    await session.flush()
    return attempt_id


async def succeeded(session: AsyncSession, attempt_id: uuid.UUID) -> None:
    """The attempt passed its check: it no longer counts, and (per rule) resets the subject."""
    await session.exec(
        sa.update(LoginAttempt).where(col(LoginAttempt.id) == attempt_id).values(succeeded=True)
    )
