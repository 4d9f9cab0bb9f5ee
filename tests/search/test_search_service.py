"""Listing search: full text, every filter and sort, keyset pages, facets, visibility, errors."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from search_support import create_listing, search, seed_categories, titles
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.errors import DomainError, ErrorCode
from c2c_api.kit.clock import clock, utcnow
from c2c_api.search.filters import global_id
from c2c_api.search.queries import FRESH_DAYS, TIER_STARTS
from c2c_api.search.service import count_listings, listing_facets
from factories import create_member, create_partner


@pytest.fixture
async def seller(session: AsyncSession) -> Any:
    await seed_categories(session)
    return await create_member(session)


def is_pg(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def refused(code: ErrorCode, session: AsyncSession, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await search(session, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


class TestFullText:
    async def test_finds_words_in_title_and_description(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Blue bike", description="Barely used")
        await create_listing(session, seller.id, title="Lamp", description="A lamp, no bike")
        await create_listing(session, seller.id, title="Sofa")
        assert sorted(await titles(session, query="bike")) == ["Blue bike", "Lamp"]

    async def test_ranks_title_matches_above_description_matches(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Lamp", description="fits a bike basket")
        await create_listing(session, seller.id, title="Bike basket", description="wicker")
        assert await titles(session, query="bike") == ["Bike basket", "Lamp"]

    async def test_french_words_with_or_without_accents(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Vélo de ville", description="très léger")
        await create_listing(session, seller.id, title="Chaise")
        assert await titles(session, query="velo") == ["Vélo de ville"]
        assert await titles(session, query="vélo") == ["Vélo de ville"]
        assert await titles(session, query="VELO leger") == ["Vélo de ville"]

    async def test_english_plural_finds_the_singular_on_postgresql(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Wooden chair")
        # PostgreSQL stems (chairs -> chair); SQLite FTS5 has no stemmer, only prefixes.
        assert await titles(session, query="chairs") == (["Wooden chair"] if is_pg(session) else [])
        assert await titles(session, query="chair") == ["Wooden chair"]

    async def test_french_plural_finds_the_singular_on_postgresql(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Chaise en bois")
        expected = ["Chaise en bois"] if is_pg(session) else []
        assert await titles(session, query="chaises bois") == expected

    async def test_the_last_word_is_a_prefix(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Guitare acoustique Yamaha")
        assert await titles(session, query="guitare acou") == ["Guitare acoustique Yamaha"]
        assert await titles(session, query="yam") == ["Guitare acoustique Yamaha"]

    async def test_stop_words_do_not_widen_a_search(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Machine à café Delonghi")
        await create_listing(session, seller.id, title="Machine outil", description="avec étau")
        await create_listing(session, seller.id, title="Café en grains", description="arabica")
        assert await titles(session, query="machine à café") == ["Machine à café Delonghi"]
        assert await titles(session, query="the coffee machine of a friend") == []

    async def test_a_whole_word_is_not_widened_to_a_prefix(self, session, seller) -> None:
        # "robe" is stemmed "rob" in French: as a prefix it would also find "robot". The words
        # are tried as they are first; the prefix only when they find nothing.
        await create_listing(session, seller.id, title="Robe longue")
        await create_listing(session, seller.id, title="Robot cuiseur")
        assert await titles(session, query="robe") == ["Robe longue"]
        assert await titles(session, query="robo") == ["Robot cuiseur"]

    async def test_a_prefix_page_continues_as_a_prefix_search(self, session, seller) -> None:
        for i in range(3):
            await create_listing(session, seller.id, title=f"Robot {i}")
        first = await search(session, query="robo", first=2)
        assert len(first.listings) == 2 and first.has_next
        rest = await search(session, query="robo", first=2, after=first.cursors[-1])
        assert len(rest.listings) == 1 and not rest.has_next
        seen = {x.title for x in first.listings} | {x.title for x in rest.listings}
        assert seen == {"Robot 0", "Robot 1", "Robot 2"}

    async def test_typos_are_tolerated_on_postgresql_only(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Bicyclette hollandaise")
        expected = ["Bicyclette hollandaise"] if is_pg(session) else []
        assert await titles(session, query="bicylette") == expected

    async def test_typo_tolerance_is_a_fallback(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Bicyclette hollandaise")
        await create_listing(session, seller.id, title="Bicylette électrique")
        # The words match one title: the near miss is not added.
        assert await titles(session, query="bicyclette") == ["Bicyclette hollandaise"]
        if is_pg(session):
            for i in range(3):
                await create_listing(session, seller.id, title=f"Bicyclette {i}")
            first = await search(session, query="bicyclettte", first=3)
            assert len(first.listings) == 3 and first.has_next
            rest = await search(session, query="bicyclettte", first=3, after=first.cursors[-1])
            got = [x.title for x in first.listings + rest.listings]
            assert len(got) == len(set(got)) and not rest.has_next
            assert {
                "Bicyclette 0",
                "Bicyclette 1",
                "Bicyclette 2",
                "Bicyclette hollandaise",
            } <= set(got)

    async def test_no_match_is_an_empty_page(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Blue bike")
        result = await search(session, query="trampoline")
        assert result.listings == [] and not result.has_next

    async def test_punctuation_only_browses(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Blue bike")
        assert await titles(session, query=" --!? ") == ["Blue bike"]

    async def test_query_syntax_is_plain_words(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Bike NEAR station")
        # FTS5 / tsquery operators in the input are just words (nothing to inject).
        assert await titles(session, query='bike" OR "x* & !') == []
        assert await titles(session, query="bike near") == ["Bike NEAR station"]


class TestFilters:
    async def test_kinds(self, session, seller) -> None:
        await create_listing(session, seller.id, title="sale")
        await create_listing(session, seller.id, title="swap", kind="SWAP")
        await create_listing(session, seller.id, title="gift", kind="DONATION", sort_price=None)
        assert sorted(await titles(session, filter={"kinds": ["SWAP", "DONATION"]})) == [
            "gift",
            "swap",
        ]

    async def test_category_includes_descendants(self, session, seller) -> None:
        await create_listing(session, seller.id, title="bike", category_slug="city-bikes")
        await create_listing(session, seller.id, title="phone", category_slug="smartphones")
        assert await titles(session, filter={"category": "sports"}) == ["bike"]
        assert await titles(session, filter={"category": "bikes"}) == ["bike"]
        assert await titles(session, filter={"category": "smartphones"}) == ["phone"]

    async def test_unknown_category(self, session, seller) -> None:
        error = await refused(ErrorCode.CATEGORY_UNKNOWN, session, filter={"category": "nope"})
        assert error.fields == ["filter.category"]

    async def test_price_range_in_one_currency(self, session, seller) -> None:
        await create_listing(session, seller.id, title="cheap", price=500)
        await create_listing(session, seller.id, title="mid", price=5000)
        await create_listing(session, seller.id, title="dear", price=50000)
        await create_listing(session, seller.id, title="mid chf", price=5000, currency="CHF")
        got = await titles(session, filter={"currency": "EUR", "minPrice": 1000, "maxPrice": 9999})
        assert got == ["mid"]
        assert await titles(session, filter={"currency": "CHF"}) == ["mid chf"]

    async def test_price_needs_a_currency(self, session, seller) -> None:
        error = await refused(ErrorCode.CURRENCY_REQUIRED, session, filter={"minPrice": 100})
        assert error.fields == ["filter.currency"]

    async def test_absurd_prices_are_refused(self, session, seller) -> None:
        await refused(
            ErrorCode.SEARCH_LIMIT_EXCEEDED, session, filter={"currency": "EUR", "maxPrice": -1}
        )
        await refused(
            ErrorCode.SEARCH_LIMIT_EXCEEDED,
            session,
            filter={"currency": "EUR", "maxPrice": 10**9 + 1},
        )
        await refused(ErrorCode.CURRENCY_UNSUPPORTED, session, filter={"currency": "XXX"})

    async def test_conditions(self, session, seller) -> None:
        await create_listing(session, seller.id, title="new", condition="NEW")
        await create_listing(session, seller.id, title="fair", condition="FAIR")
        assert await titles(session, filter={"conditions": ["NEW"]}) == ["new"]

    async def test_distance_from_a_point(self, session, seller) -> None:
        await create_listing(
            session, seller.id, title="paris", public_latitude=48.86, public_longitude=2.35
        )
        await create_listing(
            session, seller.id, title="versailles", public_latitude=48.80, public_longitude=2.13
        )
        await create_listing(
            session, seller.id, title="lyon", public_latitude=45.76, public_longitude=4.84
        )
        await create_listing(session, seller.id, title="nowhere")
        near = {"latitude": 48.8566, "longitude": 2.3522}
        assert await titles(session, filter={"near": {**near, "radiusKm": 5}}) == ["paris"]
        got = await titles(session, filter={"near": {**near, "radiusKm": 30}}, sort="NEAREST")
        assert got == ["paris", "versailles"]
        got = await titles(session, filter={"near": {**near, "radiusKm": 500}}, sort="NEAREST")
        assert got == ["paris", "versailles", "lyon"]

    async def test_distance_across_the_antimeridian(self, session, seller) -> None:
        await create_listing(
            session, seller.id, title="fiji east", public_latitude=-17.0, public_longitude=179.9
        )
        await create_listing(
            session, seller.id, title="fiji west", public_latitude=-17.0, public_longitude=-179.9
        )
        near = {"latitude": -17.0, "longitude": 179.95, "radiusKm": 50}
        assert sorted(await titles(session, filter={"near": near})) == ["fiji east", "fiji west"]

    async def test_bad_coordinates(self, session, seller) -> None:
        error = await refused(
            ErrorCode.COORDINATES_OUT_OF_RANGE,
            session,
            filter={"near": {"latitude": 91, "longitude": 200}},
        )
        assert error.fields == ["filter.near.latitude", "filter.near.longitude"]
        await refused(
            ErrorCode.SEARCH_LIMIT_EXCEEDED,
            session,
            filter={"near": {"latitude": 1, "longitude": 2, "radiusKm": 501}},
        )
        await refused(
            ErrorCode.COORDINATES_OUT_OF_RANGE,
            session,
            filter={"near": {"latitude": 1, "longitude": 2, "radiusKm": 0}},
        )

    async def test_country(self, session, seller) -> None:
        await create_listing(session, seller.id, title="fr", country="FR")
        await create_listing(session, seller.id, title="be", country="BE")
        assert await titles(session, filter={"country": "BE"}) == ["be"]
        await refused(ErrorCode.INVALID_INPUT, session, filter={"country": "france"})

    async def test_seller(self, session, seller) -> None:
        other = await create_member(session)
        await create_listing(session, seller.id, title="mine")
        await create_listing(session, other.id, title="theirs")
        assert await titles(session, filter={"seller": global_id("Member", other.id)}) == ["theirs"]

    async def test_storefront_by_slug_or_global_id(self, session, seller) -> None:
        shop = await create_partner(session, slug="velo-shop")
        await create_listing(session, seller.id, title="plain")
        await create_listing(session, seller.id, title="shared", partner_id=shop.id)
        await create_listing(
            session, seller.id, title="shop only", partner_id=shop.id, visibility="STOREFRONT"
        )
        assert sorted(await titles(session)) == ["plain", "shared"]
        expected = ["shared", "shop only"]
        assert sorted(await titles(session, filter={"storefront": "velo-shop"})) == expected
        gid = global_id("Partner", shop.id)
        assert sorted(await titles(session, filter={"storefront": gid})) == expected
        await refused(ErrorCode.INVALID_INPUT, session, filter={"storefront": "no-such-shop"})

    async def test_attributes(self, session, seller) -> None:
        await create_listing(
            session, seller.id, title="m red", attributes={"frame_size": "m", "colour": "red"}
        )
        await create_listing(session, seller.id, title="l", attributes={"frame_size": "l"})
        await create_listing(
            session, seller.id, title="m 21", attributes={"frame_size": "m", "gears": 21}
        )
        f: dict[str, Any] = {"category": "city-bikes", "attributes": {"frame_size": "m"}}
        assert sorted(await titles(session, filter=f)) == ["m 21", "m red"]
        f["attributes"] = {"frame_size": "M", "gears": 21}  # normalised like on write
        assert await titles(session, filter=f) == ["m 21"]

    async def test_attributes_not_in_the_schema(self, session, seller) -> None:
        error = await refused(
            ErrorCode.ATTRIBUTE_UNKNOWN,
            session,
            filter={"category": "city-bikes", "attributes": {"storage_gb": 64}},
        )
        assert error.fields == ["filter.attributes.storage_gb"]
        await refused(
            ErrorCode.ATTRIBUTE_INVALID,
            session,
            filter={"category": "city-bikes", "attributes": {"gears": "many"}},
        )
        await refused(ErrorCode.INVALID_INPUT, session, filter={"attributes": {"gears": 3}})
        many = {f"k{i}": 1 for i in range(21)}
        await refused(
            ErrorCode.SEARCH_LIMIT_EXCEEDED,
            session,
            filter={"category": "city-bikes", "attributes": many},
        )

    async def test_limits(self, session, seller) -> None:
        await refused(ErrorCode.SEARCH_LIMIT_EXCEEDED, session, first=51)
        await refused(ErrorCode.SEARCH_LIMIT_EXCEEDED, session, first=0)
        await refused(ErrorCode.SEARCH_LIMIT_EXCEEDED, session, query="x" * 201)
        await refused(ErrorCode.INVALID_INPUT, session, filter={"color": "red"})
        await refused(ErrorCode.INVALID_INPUT, session, sort="NEAREST")


class TestVisibility:
    async def test_only_published_listings_not_past_their_end(self, session, seller) -> None:
        now = utcnow()
        await create_listing(session, seller.id, title="live")
        for status in ("DRAFT", "PAUSED", "RESERVED", "SOLD", "CLOSED", "EXPIRED", "REMOVED"):
            await create_listing(session, seller.id, title=status.lower(), status=status)
        await create_listing(session, seller.id, title="ended", ends_at=now - timedelta(minutes=1))
        await create_listing(
            session, seller.id, title="lapsed", expires_at=now - timedelta(minutes=1)
        )
        await create_listing(
            session, seller.id, title="ends later", ends_at=now + timedelta(days=1)
        )
        assert sorted(await titles(session)) == ["ends later", "live"]
        assert sorted(await titles(session, query="listing draft removed sold")) == []


class TestSorts:
    async def test_newest_is_the_default_without_a_query(self, session, seller) -> None:
        for name in ("a", "b", "c"):
            await create_listing(session, seller.id, title=name)
        assert await titles(session) == ["c", "b", "a"]

    async def test_price_both_ways(self, session, seller) -> None:
        await create_listing(session, seller.id, title="100", price=100)
        await create_listing(session, seller.id, title="free", kind="DONATION", sort_price=None)
        await create_listing(session, seller.id, title="300", price=300)
        await create_listing(session, seller.id, title="200", price=200)
        assert await titles(session, sort="PRICE_ASC") == ["free", "100", "200", "300"]
        assert await titles(session, sort="PRICE_DESC") == ["300", "200", "100", "free"]

    async def test_ending_soonest_shows_only_listings_with_an_end(self, session, seller) -> None:
        now = utcnow()
        await create_listing(session, seller.id, title="later", ends_at=now + timedelta(days=3))
        await create_listing(session, seller.id, title="no end")
        await create_listing(session, seller.id, title="soon", ends_at=now + timedelta(hours=1))
        assert await titles(session, sort="ENDING_SOONEST") == ["soon", "later"]

    async def test_relevance_falls_back_to_newest_without_a_query(self, session, seller) -> None:
        await create_listing(session, seller.id, title="a")
        await create_listing(session, seller.id, title="b")
        assert await titles(session, sort="RELEVANCE") == ["b", "a"]


class TestPagination:
    async def _page_all(self, session, **kwargs: Any) -> list[str]:
        seen: list[str] = []
        after = None
        while True:
            result = await search(session, first=2, after=after, **kwargs)
            seen += [item.title for item in result.listings]
            if not result.has_next:
                return seen
            after = result.cursors[-1]

    @pytest.mark.parametrize("sort", ["NEWEST", "PRICE_ASC", "PRICE_DESC", "ENDING_SOONEST"])
    async def test_pages_cover_everything_once(self, session, seller, sort: str) -> None:
        now = utcnow()
        for i in range(7):
            # equal prices on purpose: the id breaks ties
            await create_listing(
                session,
                seller.id,
                title=f"t{i}",
                price=100 * (i % 3),
                ends_at=now + timedelta(hours=i + 1),
            )
        everything = await titles(session, sort=sort, first=50)
        assert await self._page_all(session, sort=sort) == everything
        assert len(everything) == 7

    async def test_relevance_ranks_fresh_listings_first(self, session, seller) -> None:
        now = utcnow()
        old = now - timedelta(days=FRESH_DAYS + 2)
        await create_listing(session, seller.id, title="bike bike bike", published_at=old)
        await create_listing(session, seller.id, title="lamp", description="bike")
        await create_listing(session, seller.id, title="bike", published_at=old - timedelta(1))
        await create_listing(session, seller.id, title="bike basket")
        # fresh (published in the last three days) by rank, then the older ones by rank
        got = await titles(session, query="bike", first=50)
        assert got[:2] == ["bike basket", "lamp"]
        assert set(got[2:]) == {"bike bike bike", "bike"}

    async def test_relevance_ranks_within_three_tiers(self, session, seller) -> None:
        now = utcnow()
        week = now - timedelta(days=TIER_STARTS[0] + 2)  # in the rest of the week
        old = now - timedelta(days=FRESH_DAYS + 2)
        await create_listing(session, seller.id, title="bike bike bike", published_at=old)
        await create_listing(session, seller.id, title="bike bike", published_at=week)
        await create_listing(
            session, seller.id, title="lamp", description="bike", published_at=week
        )
        await create_listing(session, seller.id, title="chair", description="bike")
        await create_listing(session, seller.id, title="bike")
        got = await titles(session, query="bike", first=50)
        assert got == ["bike", "chair", "bike bike", "lamp", "bike bike bike"]

    async def test_currency_and_country_hold_in_every_tier(self, session, seller) -> None:
        now = utcnow()
        ages = {"fresh": 1, "week": TIER_STARTS[0] + 2, "old": FRESH_DAYS + 3}
        for age, days in ages.items():
            for currency, country in (("EUR", "FR"), ("CHF", "CH"), ("EUR", "BE")):
                await create_listing(
                    session,
                    seller.id,
                    title=f"bike {age} {currency} {country}",
                    currency=currency,
                    country=country,
                    published_at=now - timedelta(days=days),
                )
        swiss = await titles(session, query="bike", filter={"currency": "CHF"}, first=50)
        assert swiss == [f"bike {age} CHF CH" for age in ages]
        belgian = await titles(
            session, query="bike", filter={"currency": "EUR", "country": "BE"}, first=50
        )
        assert belgian == [f"bike {age} EUR BE" for age in ages]
        assert await self._page_all(session, query="bike", filter={"country": "FR"}) == [
            f"bike {age} EUR FR" for age in ages
        ]

    async def test_relevance_pages_cross_the_freshness_tiers(self, session, seller) -> None:
        now = utcnow()
        for i in range(3):
            await create_listing(session, seller.id, title=f"bike fresh {i}")
            await create_listing(
                session,
                seller.id,
                title=f"bike week {i}",
                published_at=now - timedelta(days=TIER_STARTS[0] + 1 + i),
            )
            await create_listing(
                session,
                seller.id,
                title=f"bike old {i}",
                published_at=now - timedelta(days=FRESH_DAYS + 1 + i),
            )
        everything = await titles(session, query="bike", first=50)
        assert [t.split()[1] for t in everything] == ["fresh"] * 3 + ["week"] * 3 + ["old"] * 3
        for size in (1, 2, 3, 4, 5):  # page boundaries inside, at and across tier boundaries
            seen: list[str] = []
            after = None
            while True:
                result = await search(session, query="bike", first=size, after=after)
                seen += [x.title for x in result.listings]
                if not result.has_next:
                    break
                after = result.cursors[-1]
            assert seen == everything, size

    async def test_relevance_pages_keep_their_day(self, session, seller) -> None:
        """A relevance cursor carries the day its tiers were counted from: when the day changes
        between pages, a listing that has left the fresh tier meanwhile is not shown twice."""
        now = utcnow()
        # in the first tier today (its day is the first of the tier), in the second tomorrow
        aging = now - timedelta(days=TIER_STARTS[0])
        await create_listing(session, seller.id, title="bike bike", published_at=aging)
        await create_listing(session, seller.id, title="bike basket")
        await create_listing(session, seller.id, title="lamp", description="bike")
        first = await search(session, query="bike", first=1)
        assert [x.title for x in first.listings] == ["bike bike"]
        clock.freeze(now + timedelta(days=1))
        seen = ["bike bike"]
        after = first.cursors[-1]
        while after is not None:
            page = await search(session, query="bike", first=1, after=after)
            seen += [x.title for x in page.listings]
            after = page.cursors[-1] if page.has_next else None
        assert seen == ["bike bike", "bike basket", "lamp"]
        # a new search, counted from the new day, ranks it with the older listings
        assert await titles(session, query="bike") == ["bike basket", "lamp", "bike bike"]

    async def test_relevance_pages(self, session, seller) -> None:
        for i in range(5):
            await create_listing(session, seller.id, title="bike " * (i % 2 + 1) + str(i))
        everything = await titles(session, query="bike", first=50)
        assert len(everything) == 5
        assert await self._page_all(session, query="bike") == everything

    async def test_nearest_pages(self, session, seller) -> None:
        for i in range(5):
            await create_listing(
                session,
                seller.id,
                title=f"p{i}",
                public_latitude=48.0 + i / 100,
                public_longitude=2.0,
            )
        near = {"latitude": 48.0, "longitude": 2.0, "radiusKm": 50}
        got = await self._page_all(session, filter={"near": near}, sort="NEAREST")
        assert got == ["p0", "p1", "p2", "p3", "p4"]

    async def test_nearest_pages_through_shared_positions(self, session, seller) -> None:
        # Public positions are grid cells: many listings share one, so one distance. Pages of
        # every size must still cover each listing once, in (distance, id) order.
        cells = [(48.0, 2.0), (48.01, 2.0), (48.02, 2.0), (48.3, 2.0)]  # the last one: 33 km
        for i in range(11):
            lat, lng = cells[i % len(cells)]
            await create_listing(
                session, seller.id, title=f"c{i}", public_latitude=lat, public_longitude=lng
            )
        near = {"latitude": 48.0, "longitude": 2.0, "radiusKm": 20}
        everything = await titles(session, filter={"near": near}, sort="NEAREST", first=50)
        assert sorted(everything) == sorted(f"c{i}" for i in range(11) if i % 4 != 3)
        assert [int(t[1:]) % 4 for t in everything] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
        for size in (1, 2, 3, 4):
            seen: list[str] = []
            after = None
            while True:
                result = await search(
                    session, filter={"near": near}, sort="NEAREST", first=size, after=after
                )
                seen += [x.title for x in result.listings]
                if not result.has_next:
                    break
                after = result.cursors[-1]
            assert seen == everything, size

    async def test_inserts_between_pages_do_not_shift_them(self, session, seller) -> None:
        for i in range(4):
            await create_listing(session, seller.id, title=f"old{i}", price=1000 + i)
        first = await search(session, first=2)
        assert [x.title for x in first.listings] == ["old3", "old2"]
        await create_listing(session, seller.id, title="newer")  # lands before the cursor
        second = await search(session, first=2, after=first.cursors[-1])
        assert [x.title for x in second.listings] == ["old1", "old0"]

        cheap = await search(session, first=2, sort="PRICE_ASC")
        assert [x.title for x in cheap.listings] == ["old0", "old1"]
        await create_listing(session, seller.id, title="cheaper", price=1)
        rest = await search(session, first=2, sort="PRICE_ASC", after=cheap.cursors[-1])
        assert [x.title for x in rest.listings] == ["old2", "old3"]

    async def test_tampered_cursor(self, session, seller) -> None:
        for i in range(3):
            await create_listing(session, seller.id, title=f"t{i}")
        cursor = (await search(session, first=1)).cursors[0]
        body, _, mac = cursor.partition(".")
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        payload[1][0] = "2000-01-01T00:00:00+00:00"
        forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
        for bad in (f"{forged}.{mac}", "garbage", cursor[:-2] + "AA", "", "é" * 2000):
            error = await refused(ErrorCode.INVALID_CURSOR, session, after=bad)
            assert error.fields == ["after"]

    async def test_a_cursor_of_another_sort_is_refused(self, session, seller) -> None:
        await create_listing(session, seller.id, title="bike")
        cursor = (await search(session, first=1)).cursors[0]
        await refused(ErrorCode.INVALID_CURSOR, session, after=cursor, sort="PRICE_ASC")
        bike = (await search(session, first=1, query="bike")).cursors[0]
        await refused(ErrorCode.INVALID_CURSOR, session, after=bike, query="lamp")


class TestFacets:
    async def test_one_pass_facets_equal_the_per_facet_statements(self, session, seller) -> None:
        """PostgreSQL counts facets in one pass (GROUPING SETS with FILTER); the four grouped
        statements SQLite runs are the reference: both give the same counts for every mix of
        the kind, condition and price filters."""
        if not is_pg(session):
            pytest.skip("the one-pass statement is PostgreSQL's")
        from c2c_api.search import queries

        kinds, conditions = ("SALE", "SWAP", "DONATION"), ("NEW", "GOOD", "FAIR")
        categories, currencies = ("city-bikes", "smartphones", "decoration"), ("EUR", "GBP")
        for i in range(40):
            kind = kinds[i % 3]
            price = None if kind == "DONATION" else 300 * (i % 7) ** 3
            await create_listing(
                session,
                seller.id,
                title=f"x{i}",
                kind=kind,
                condition=conditions[(i // 3) % 3],
                category_slug=categories[(i // 2) % 3],
                currency=currencies[(i // 5) % 2],
                price=price,
                sort_price=price,
            )
        filters: list[dict[str, Any]] = [
            {},
            {"kinds": ["SALE", "SWAP"]},
            {"conditions": ["NEW"], "category": "sports"},
            {"currency": "EUR", "minPrice": 1000, "maxPrice": 50000},
            {"kinds": ["SWAP"], "conditions": ["GOOD", "FAIR"], "currency": "GBP"},
        ]
        for f in filters:
            prepared = (await search(session, filter=f)).prepared
            args = (prepared.filter, None, prepared.now)
            one = await session.exec(queries.pg_facets_select(*args))  # type: ignore[call-overload]
            four = await session.exec(queries.facets_select("sqlite", *args))  # type: ignore[call-overload]
            got = {tuple(r) for r in one.all() if r[1] is not None and r[3]}
            want = {tuple(r) for r in four.all() if r[1] is not None and r[3]}
            assert got == want, f
            assert any(r[0] == "price" for r in want), f

    async def test_counts_per_kind_condition_category_and_price(self, session, seller) -> None:
        await create_listing(session, seller.id, title="a", price=500, condition="NEW")
        await create_listing(session, seller.id, title="b", price=1500, condition="NEW")
        await create_listing(
            session, seller.id, title="c", kind="SWAP", price=1500, condition="FAIR"
        )
        await create_listing(
            session, seller.id, title="d", category_slug="smartphones", price=20000, currency="GBP"
        )
        await create_listing(session, seller.id, title="e", kind="DONATION", sort_price=None)
        await create_listing(session, seller.id, title="draft", status="DRAFT")
        prepared = (await search(session)).prepared
        facets = await listing_facets(session, prepared)
        assert {(c.value, c.count) for c in facets.kinds} == {
            ("SALE", 3),
            ("SWAP", 1),
            ("DONATION", 1),
        }
        assert {(c.value, c.count) for c in facets.conditions} == {
            ("NEW", 2),
            ("GOOD", 2),
            ("FAIR", 1),
        }
        assert [(c.slug, c.count) for c in facets.categories] == [("electronics", 1), ("sports", 4)]
        buckets = [(b.currency, b.min, b.max, b.count) for b in facets.price_buckets]
        assert buckets == [
            ("EUR", 0, 1000, 1),
            ("EUR", 1000, 2500, 2),
            ("GBP", 10000, 25000, 1),
        ]
        assert await count_listings(session, prepared) == (5, False)

    async def test_a_facet_ignores_its_own_filter(self, session, seller) -> None:
        await create_listing(session, seller.id, title="a", condition="NEW")
        await create_listing(session, seller.id, title="b", kind="SWAP", condition="FAIR")
        prepared = (await search(session, filter={"kinds": ["SWAP"]})).prepared
        facets = await listing_facets(session, prepared)
        assert {(c.value, c.count) for c in facets.kinds} == {("SALE", 1), ("SWAP", 1)}
        assert {(c.value, c.count) for c in facets.conditions} == {("FAIR", 1)}
        assert await count_listings(session, prepared) == (1, False)

    async def test_categories_drill_down_to_children(self, session, seller) -> None:
        await create_listing(session, seller.id, title="a", category_slug="city-bikes")
        await create_listing(session, seller.id, title="b", category_slug="road-bikes")
        await create_listing(session, seller.id, title="c", category_slug="road-bikes")
        await create_listing(session, seller.id, title="d", category_slug="fitness")
        prepared = (await search(session, filter={"category": "bikes"})).prepared
        facets = await listing_facets(session, prepared)
        assert [(c.slug, c.count) for c in facets.categories] == [
            ("city-bikes", 1),
            ("road-bikes", 2),
        ]

    async def test_facets_follow_the_query(self, session, seller) -> None:
        await create_listing(session, seller.id, title="Vélo rouge")
        await create_listing(session, seller.id, title="Lampe", kind="SWAP")
        facets = await listing_facets(session, (await search(session, query="velo")).prepared)
        assert [(c.value, c.count) for c in facets.kinds] == [("SALE", 1)]
