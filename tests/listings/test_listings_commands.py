"""Listing commands validate in the service: any adapter gets the same typed errors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from listings_support import count_rows, seed_categories
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.categories.taxonomy import ListingKind
from c2c_api.db import Database
from c2c_api.errors import InvalidInput
from c2c_api.listings import service
from c2c_api.listings.errors import UnsupportedCurrency
from factories import create_member, member_actor

BASE: dict[str, Any] = {"title": "A lamp", "category_slug": "handbags", "currency": "EUR"}


async def _draft(session: AsyncSession) -> tuple[Any, uuid.UUID]:
    member = await create_member(session)
    actor = member_actor(member, "listings:write")
    listing = await service.create_listing(
        session, actor, kind=ListingKind.SALE, values=BASE, details={ListingKind.SALE: {}}
    )
    await session.commit()
    return actor, listing.id


class TestKindFieldRules:
    async def test_create_refuses_another_kinds_details(
        self, db: Database, session: AsyncSession
    ) -> None:
        await seed_categories(db)
        member = await create_member(session)
        with pytest.raises(InvalidInput) as caught:
            await service.create_listing(
                session,
                member_actor(member, "listings:write"),
                kind=ListingKind.SALE,
                values=BASE,
                details={ListingKind.RENTAL: {"price_per_day": 100}},
            )
        assert caught.value.fields == ["rental"]

    async def test_create_refuses_a_column_the_kind_lacks(
        self, db: Database, session: AsyncSession
    ) -> None:
        await seed_categories(db)
        member = await create_member(session)
        with pytest.raises(InvalidInput) as caught:
            await service.create_listing(
                session,
                member_actor(member, "listings:write"),
                kind=ListingKind.DONATION,
                values={**BASE, "price": 100, "no_such_column": 1},
            )
        assert caught.value.fields == ["no_such_column", "price"]

    async def test_create_requires_title_and_category(
        self, db: Database, session: AsyncSession
    ) -> None:
        await seed_categories(db)
        member = await create_member(session)
        with pytest.raises(InvalidInput) as caught:
            await service.create_listing(
                session, member_actor(member, "listings:write"), kind=ListingKind.SWAP, values={}
            )
        assert caught.value.fields == ["title", "category"]

    async def test_update_refuses_another_kinds_details(
        self, db: Database, session: AsyncSession
    ) -> None:
        await seed_categories(db)
        actor, listing_id = await _draft(session)
        with pytest.raises(InvalidInput) as caught:
            await service.update_listing(
                session,
                actor,
                listing_id=listing_id,
                expected_version=1,
                values={},
                details={ListingKind.AUCTION: {"start_price": 100}},
            )
        assert caught.value.fields == ["auction"]


class TestUpdateValidatesBeforeWriting:
    async def test_a_refused_update_leaves_the_row_clean(
        self, db: Database, session: AsyncSession
    ) -> None:
        await seed_categories(db)
        actor, listing_id = await _draft(session)
        with pytest.raises(UnsupportedCurrency):
            await service.update_listing(
                session,
                actor,
                listing_id=listing_id,
                expected_version=1,
                values={"currency": "EURO", "title": "x" * 121},
            )
        # Nothing pending in the session: committing writes nothing.
        assert not session.dirty
        await session.commit()
        assert await count_rows(db, "listing_revisions") == 1
