"""Search and saved searches show live listings only (authz.ListingPolicy.live_clauses):
published and not past an end, whatever the caller."""

from __future__ import annotations

from datetime import timedelta

from search_support import create_listing, search, seed_categories

from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.search.models import SavedSearch
from c2c_api.search.service import matching_saved_searches
from factories import create_member


async def test_search_shows_live_listings_only(db: Database) -> None:
    past = utcnow() - timedelta(minutes=1)
    async with db.transaction() as session:
        await seed_categories(session)
        seller = await create_member(session)
        live = await create_listing(session, seller.id, title="live")
        await create_listing(session, seller.id, title="past its lifetime", expires_at=past)
        await create_listing(
            session, seller.id, title="paused and past", status="PAUSED", expires_at=past
        )
        await create_listing(session, seller.id, title="sold", status="SOLD")
        await create_listing(session, seller.id, title="draft", status="DRAFT")
    async with db.sessionmaker() as session:
        result = await search(session)
    assert [item.id for item in result.listings] == [live.id]


async def test_a_listing_past_its_end_matches_no_saved_search(db: Database) -> None:
    async with db.transaction() as session:
        await seed_categories(session)
        seller, fan = await create_member(session), await create_member(session)
        live = await create_listing(session, seller.id)
        ended = await create_listing(session, seller.id, expires_at=utcnow() - timedelta(seconds=1))
        saved = SavedSearch(member_id=fan.id, name="everything")
        session.add(saved)
        await session.flush()
        assert await matching_saved_searches(session, live, [saved]) == [saved]
        assert await matching_saved_searches(session, ended, [saved]) == []
