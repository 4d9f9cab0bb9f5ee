"""Keyset pagination on (created_at, id), newest first: the one place lists are paged.

A page is fetched with `limit + 1` rows: the extra row only tells that more follow. The
position after which a page starts is the (created_at, id) of the last row of the previous page
(carried by a signed cursor, c2c_api.kit.cursors); rows created in between never shift a page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, TypeVarTuple, cast, overload

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from c2c_api.errors import InvalidInput

MAX_PAGE = 100
Position = tuple[datetime, uuid.UUID]
T = TypeVar("T")
Ts = TypeVarTuple("Ts")
# What sqlmodel's col() gives: typed Mapped, a column expression at run time.
Column = sa.ColumnElement[Any] | Mapped[Any]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One keyset page: the items and whether more follow."""

    items: list[T]
    has_next: bool

    @classmethod
    def of(cls, rows: list[T], limit: int) -> Page[T]:
        """From `limit + 1` fetched rows."""
        return cls(items=rows[:limit], has_next=len(rows) > limit)


def _sql(column: Column) -> sa.ColumnElement[Any]:
    return cast(sa.ColumnElement[Any], column)


def check_page_size(limit: int) -> None:
    """1 to MAX_PAGE items per page (InvalidInput on `first`)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput("Ask for 1 to 100 items.", fields=["first"])


def after_position(created_at: Column, ident: Column, after: Position) -> sa.ColumnElement[bool]:
    """Rows strictly after `after` in newest-first order: (created_at, id) < after.

    The values are bound with the columns' own types (the UTC datetime and UUID storage of
    SQLite differ from the generic types a bare tuple would infer)."""
    stamp, key = _sql(created_at), _sql(ident)
    return sa.tuple_(stamp, key) < sa.tuple_(
        sa.literal(after[0], type_=stamp.type), sa.literal(after[1], type_=key.type)
    )


def newest_first(
    created_at: Column, ident: Column
) -> tuple[sa.UnaryExpression[Any], sa.UnaryExpression[Any]]:
    """The order of a keyset page (also for window functions numbering rows per group)."""
    return _sql(created_at).desc(), _sql(ident).desc()


def split_page(rows: Sequence[T], limit: int) -> tuple[list[T], bool]:
    """From `limit + 1` fetched rows: the page's items and whether more follow."""
    return list(rows[:limit]), len(rows) > limit


@overload
async def keyset_page(
    session: AsyncSession,
    query: SelectOfScalar[T],
    *,
    created_at: Column,
    ident: Column,
    after: Position | None,
    limit: int,
) -> tuple[list[T], bool]: ...


@overload
async def keyset_page(
    session: AsyncSession,
    query: Select[*Ts],
    *,
    created_at: Column,
    ident: Column,
    after: Position | None,
    limit: int,
) -> tuple[list[tuple[*Ts]], bool]: ...


async def keyset_page(
    session: AsyncSession,
    query: Any,
    *,
    created_at: Column,
    ident: Column,
    after: Position | None,
    limit: int,
) -> tuple[list[Any], bool]:
    """One newest-first page of `query`: its items (at most `limit`) and whether more follow."""
    check_page_size(limit)
    if after is not None:
        query = query.where(after_position(created_at, ident, after))
    rows = list(
        await session.exec(query.order_by(*newest_first(created_at, ident)).limit(limit + 1))
    )
    return split_page(rows, limit)
