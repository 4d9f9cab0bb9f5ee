"""Helpers of tests/idempotency: a side-effect table counted in the database, and callers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import Actor, ActorKind
from c2c_api.db import Database
from c2c_api.idempotency.models import IdempotencyKey

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EFFECTS = "idem_test_effects"


@pytest.fixture
async def effects(db: Database) -> AsyncIterator[Database]:
    """A table of the test only (raw DDL, outside the models): each run of a use case adds a
    row, so "ran once" is counted in the database, across connections."""
    async with db.engine.begin() as conn:
        await conn.execute(sa.text(f"DROP TABLE IF EXISTS {EFFECTS}"))
        await conn.execute(sa.text(f"CREATE TABLE {EFFECTS} (note VARCHAR(64) NOT NULL)"))
    yield db
    async with db.engine.begin() as conn:
        await conn.execute(sa.text(f"DROP TABLE IF EXISTS {EFFECTS}"))


async def add_effect(session: AsyncSession, note: str) -> None:
    await session.exec(
        sa.text(f"INSERT INTO {EFFECTS} (note) VALUES (:note)").bindparams(note=note)
    )


async def effect_notes(db: Database) -> list[str]:
    async with db.sessionmaker() as session:
        rows = await session.exec(sa.text(f"SELECT note FROM {EFFECTS} ORDER BY note"))
        return [str(r[0]) for r in rows]


async def stored_keys(db: Database) -> list[IdempotencyKey]:
    async with db.sessionmaker() as session:
        return list((await session.exec(select(IdempotencyKey))).all())


def member(member_id: uuid.UUID | None = None) -> Actor:
    return Actor(kind=ActorKind.MEMBER, member_id=member_id or uuid.uuid4())
