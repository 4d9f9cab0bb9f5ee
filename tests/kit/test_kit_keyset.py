"""Keyset pages on (created_at, id), newest first (c2c_api.kit.keyset), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.errors import InvalidInput
from c2c_api.kit.keyset import Position, keyset_page
from c2c_api.partners.models import Partner
from factories import create_partner

NOON = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


async def page(
    session: AsyncSession, after: Position | None, limit: int
) -> tuple[list[Partner], bool]:
    return await keyset_page(
        session,
        select(Partner),
        created_at=col(Partner.created_at),
        ident=col(Partner.id),
        after=after,
        limit=limit,
    )


class TestKeysetPage:
    async def test_pages_every_row_once_newest_first_ties_broken_by_id(
        self, session: AsyncSession
    ) -> None:
        # Three rows share a timestamp: the id orders them, and no page repeats or skips one.
        stamps = [NOON, NOON, NOON, NOON - timedelta(seconds=1), NOON + timedelta(seconds=1)]
        for stamp in stamps:
            await create_partner(session, created_at=stamp)
        expected = sorted(
            (await session.exec(select(Partner))).all(),
            key=lambda p: (p.created_at, p.id),
            reverse=True,
        )
        seen: list[Partner] = []
        after: Position | None = None
        flags: list[bool] = []
        while True:
            items, has_next = await page(session, after, 2)
            seen.extend(items)
            flags.append(has_next)
            if not has_next:
                break
            after = (items[-1].created_at, items[-1].id)
        assert [p.id for p in seen] == [p.id for p in expected]
        assert flags == [True, True, False]

    async def test_an_exact_page_has_no_next(self, session: AsyncSession) -> None:
        for _ in range(2):
            await create_partner(session)
        items, has_next = await page(session, None, 2)
        assert len(items) == 2 and has_next is False

    async def test_a_position_in_another_time_zone_is_the_same_instant(
        self, session: AsyncSession
    ) -> None:
        newer = await create_partner(session, created_at=NOON)
        older = await create_partner(session, created_at=NOON - timedelta(hours=1))
        paris = NOON.astimezone(datetime.fromisoformat("2025-06-01T14:00:00+02:00").tzinfo)
        items, _ = await page(session, (paris, newer.id), 10)
        assert [p.id for p in items] == [older.id]

    @pytest.mark.parametrize("limit", [0, -1, 101])
    async def test_page_sizes_out_of_bounds_are_refused(
        self, session: AsyncSession, limit: int
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            await page(session, None, limit)
        assert caught.value.fields == ["first"]
