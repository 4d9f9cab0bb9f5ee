"""PostgreSQL plans: browsing without a query or a filter walks an index, it never sorts all."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from search_support import SECRET, seed_categories
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.authz import ANONYMOUS
from c2c_api.search import service
from factories import create_member

ROWS = 20_000


async def plan(session: AsyncSession, tier: int = 0, **search: object) -> str:
    """EXPLAIN of the page statement that search_listings runs for these arguments (for
    relevance, the statement of freshness tier `tier`)."""
    prepared = await service.prepare_search(
        session, query=search.get("query"), filter=search.get("filter"), sort=search.get("sort")
    )
    if search.get("fuzzy"):
        prepared = service._fuzzy(prepared)
    spec = service._sort_spec(prepared)
    stmt = service._page_statement(prepared, spec, None, 20, tier=tier)
    conn = await session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    values = tuple(params[name] for name in compiled.positiontup or ())
    rows = await conn.exec_driver_sql("EXPLAIN " + compiled.string, values)
    return "\n".join(r[0] for r in rows)


@pytest.fixture
async def many_listings(session: AsyncSession) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("plans are checked on PostgreSQL")
    await seed_categories(session)
    seller = await create_member(session)
    await session.exec(  # type: ignore[call-overload]
        sa.text(
            """
            INSERT INTO listings (id, kind, status, seller_id, visibility, title, description,
              category_slug, attributes, quantity, currency, price, sort_price, accepts_offers,
              shipping_enabled, shipping_carriers, meetup_enabled, version, created_at,
              updated_at, published_at, country)
            SELECT gen_random_uuid(), 'SALE',
              CASE WHEN i % 10 = 0 THEN 'DRAFT' ELSE 'PUBLISHED' END,
              :seller, 'MARKETPLACE',
              CASE WHEN i % 100 = 1 THEN 'Vélo ' || i ELSE 'Chaise ' || i END,
              'Description ' || i,
              CASE WHEN i % 2 = 0 THEN 'city-bikes' ELSE 'smartphones' END, '{}', 1, 'EUR',
              i, i, false, false, '[]', false, 1, now(), now(),
              now() - make_interval(secs => i * 400), 'FR'
            FROM generate_series(1, :n) AS i
            """
        ).bindparams(seller=seller.id, n=ROWS)
    )
    await session.commit()
    conn = await session.connection()
    await conn.exec_driver_sql("ANALYZE listings")


class TestPlans:
    async def test_default_browse_walks_the_published_index(self, many_listings, session) -> None:
        text = await plan(session)
        assert "ix_listings_status_published" in text, text
        assert "Sort" not in text.split("->")[0] + text.split("->")[1], text

    async def test_price_sort_walks_the_price_index(self, many_listings, session) -> None:
        text = await plan(session, sort="PRICE_ASC")
        assert "ix_listings_status_price0" in text, text

    async def test_keyword_search_uses_the_full_text_index(self, many_listings, session) -> None:
        # At 20,000 rows a sequential scan is honestly cheaper for the planner; with it off, the
        # plan proves that both halves of the match are index conditions (chosen at scale).
        conn = await session.connection()
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        text = await plan(session, query="velo 101")
        assert "Seq Scan" not in text, text
        assert "ix_listings_search_tags" in text, text
        # the typo-tolerant retry (when the words match nothing) adds the trigram index
        text = await plan(session, query="velo 101", fuzzy=True)
        assert "Seq Scan" not in text, text
        assert "ix_listings_search_tags" in text and "ix_listings_title_trgm" in text, text
        result = await service.search_listings(session, ANONYMOUS, query="velo 101", secret=SECRET)
        assert "Vélo 101" in [x.title for x in result.listings]

    async def test_relevance_reads_only_the_fresh_matches(self, many_listings, session) -> None:
        """The fresh tier is an index condition (the day lexemes of ix_listings_search_tags),
        and a category or price filter is checked on those rows, not ANDed from a B-tree scan
        over the whole category or price range."""
        conn = await session.connection()
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for search in (
            {"query": "velo"},
            {"query": "velo", "filter": {"category": "city-bikes"}},
            {"query": "velo", "filter": {"currency": "EUR", "minPrice": 1, "maxPrice": 900}},
        ):
            text = await plan(session, **search)
            assert "ix_listings_search_tags" in text, text
            assert "array_to_tsvector" in text, text  # c2c_search_tags, inlined
            for other in ("category_published", "status_sort_price", "status_published", "price0"):
                assert other not in text, (other, text)

    async def test_the_oldest_tier_reads_only_the_filters_currency_and_country(
        self, many_listings, session
    ) -> None:
        """The last tier holds every older match of the words: the filter's currency and
        country are index conditions there (lexemes of c2c_search_tags)."""
        conn = await session.connection()
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        text = await plan(
            session,
            tier=service.queries.TIERS[-1],
            query="velo",
            filter={"currency": "EUR", "maxPrice": 900, "country": "FR"},
        )
        assert "ix_listings_search_tags" in text, text
        index_condition = next(line for line in text.splitlines() if "Index Cond" in line)
        assert "''cEUR'' & ''nFR''" in index_condition, text

    async def test_nearest_reads_the_sphere_index_in_distance_order(
        self, many_listings, session
    ) -> None:
        conn = await session.connection()
        await conn.exec_driver_sql(
            "UPDATE listings SET public_latitude = 48 + (random() - 0.5) * 0.3, "
            "public_longitude = 2 + (random() - 0.5) * 0.3"
        )
        await conn.exec_driver_sql("ANALYZE listings")
        # The planner estimates a box holds 0.1 % of the rows (cube has no statistics): at
        # 20,000 rows it rightly sorts those ~20; at 1M (bench/) it picks the KNN scan. With
        # sorts discouraged, the plan proves the index can give the distance order.
        await conn.exec_driver_sql("SET LOCAL enable_sort = off")
        near = {"latitude": 48.0, "longitude": 2.0, "radiusKm": 20}
        text = await plan(session, filter={"near": near}, sort="NEAREST")
        assert "ix_listings_public_sphere" in text, text
        assert "Order By" in text, text  # the KNN scan that finds the page's last distance
        assert "Seq Scan" not in text, text


async def test_sessions_plan_every_search_for_its_values(session: AsyncSession) -> None:
    """asyncpg prepares statements; a generic plan (after five runs) ignored the values and
    took 5-8x longer at 1M listings: our PostgreSQL sessions force custom plans."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    mode = (await session.exec(sa.text("SHOW plan_cache_mode"))).one()  # type: ignore[call-overload]
    assert mode[0] == "force_custom_plan"
