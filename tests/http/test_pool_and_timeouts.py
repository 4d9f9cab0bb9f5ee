"""No request holds a connection for long, and /readyz answers whatever the pool's state.

Issue 8 found twenty anonymous 30-alias search documents holding the pool for 14 s, /readyz
taking 14.7 s and small queries timing out meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable

import httpx
import pytest
import sqlalchemy as sa

from c2c_api.config import Settings
from c2c_api.db import Database, is_statement_timeout

GQL = {"accept": "application/graphql-response+json"}
CARD = "edges { node { id title displayPrice { amount } seller { displayName } } }"
THIRTY_SEARCHES = (
    "{ "
    + " ".join(f'a{i}: listings(query: "velo", first: 20) {{ {CARD} }}' for i in range(30))
    + " }"
)
# A statement that runs for seconds on either database (no table needed).
SLOW_SQL = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
    "SELECT count(*) FROM (SELECT i FROM n LIMIT 500000000)",
    "postgresql": "SELECT pg_sleep(5)",
}


@pytest.fixture
async def short_timeout_db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.model_copy(update={"database_statement_timeout_ms": 300}))
    yield database
    await database.dispose()


def backend(db: Database) -> str:
    return "sqlite" if db.settings.is_sqlite else "postgresql"


class TestStatementTimeout:
    async def test_a_long_statement_is_cut(self, short_timeout_db: Database) -> None:
        started = time.monotonic()
        async with short_timeout_db.engine.connect() as session:
            with pytest.raises(sa.exc.DBAPIError) as caught:
                await session.execute(sa.text(SLOW_SQL[backend(short_timeout_db)]))
        assert time.monotonic() - started < 2
        assert is_statement_timeout(caught.value)

    async def test_the_connection_serves_the_next_statement(
        self, short_timeout_db: Database
    ) -> None:
        async with short_timeout_db.engine.connect() as session:
            with pytest.raises(sa.exc.DBAPIError):
                await session.execute(sa.text(SLOW_SQL[backend(short_timeout_db)]))
            await session.rollback()
            assert (await session.execute(sa.text("SELECT 1"))).scalar() == 1

    async def test_short_statements_are_not_cut(self, short_timeout_db: Database) -> None:
        async with short_timeout_db.engine.connect() as session:
            for _ in range(3):
                await asyncio.sleep(0.15)  # time between statements does not count
                assert (await session.execute(sa.text("SELECT 1"))).scalar() == 1

    async def test_the_synchronous_engine_is_cut_too(self, short_timeout_db: Database) -> None:
        def slow() -> sa.exc.DBAPIError:
            with short_timeout_db.sync_sessionmaker() as session:
                try:
                    session.execute(sa.text(SLOW_SQL[backend(short_timeout_db)]))
                except sa.exc.DBAPIError as error:
                    return error
            raise AssertionError("not interrupted")

        started = time.monotonic()
        error = await asyncio.to_thread(slow)
        assert time.monotonic() - started < 2
        assert is_statement_timeout(error)

    def test_other_errors_are_not_timeouts(self) -> None:
        error = sa.exc.OperationalError("SELECT 1", {}, Exception("disk I/O error"))
        assert not is_statement_timeout(error)
        assert not is_statement_timeout(ValueError("interrupted"))


@contextlib.asynccontextmanager
async def every_pooled_connection(db: Database) -> AsyncIterator[None]:
    """Check out every connection the request pool will give (pool size + overflow)."""
    pool = db.engine.pool
    limit = pool.size() + getattr(pool, "_max_overflow", 0)  # type: ignore[attr-defined]
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(limit):
            await stack.enter_async_context(db.engine.connect())
        assert db.pool_status()["inUse"] == limit
        yield


class TestReadiness:
    async def test_answers_within_a_second_when_the_pool_is_exhausted(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        async with every_pooled_connection(db):
            started = time.monotonic()
            response = await client.get("/readyz")
            elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert elapsed < 1
        assert response.json()["pool"]["inUse"] >= 1


class TestHeavyDocuments:
    async def test_twenty_thirty_alias_searches_leave_room_for_others(
        self, client: httpx.AsyncClient
    ) -> None:
        async def heavy() -> httpx.Response:
            return await client.post("/graphql", json={"query": THIRTY_SEARCHES}, headers=GQL)

        async def timed(request: Awaitable[httpx.Response]) -> tuple[float, httpx.Response]:
            started = time.monotonic()
            response = await request
            return time.monotonic() - started, response

        results = await asyncio.gather(
            *(heavy() for _ in range(20)),
            timed(client.get("/readyz")),
            timed(client.post("/graphql", json={"query": "{ categories { slug } }"}, headers=GQL)),
        )
        heavies = results[:20]
        (ready_time, ready), (small_time, small) = results[20], results[21]
        for response in heavies:
            assert isinstance(response, httpx.Response)
            assert response.status_code == 400
            assert response.json()["errors"][0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
        assert ready.status_code == 200
        assert ready_time < 1
        assert small.status_code == 200
        assert small_time < 1


class TestTimeoutInGraphQL:
    async def test_a_cut_statement_is_a_typed_error_and_its_siblings_answer(
        self, short_timeout_db: Database
    ) -> None:
        import strawberry

        from c2c_api.graphql.extensions import ShapeErrors

        sql = SLOW_SQL[backend(short_timeout_db)]

        @strawberry.type
        class Query:
            @strawberry.field
            async def slow(self) -> int | None:
                async with short_timeout_db.engine.connect() as conn:
                    await conn.execute(sa.text(sql))
                return 1

            @strawberry.field
            def quick(self) -> int:
                return 2

        schema = strawberry.Schema(query=Query, extensions=[ShapeErrors])
        result = await schema.execute("{ slow quick }")
        assert result.data == {"slow": None, "quick": 2}
        assert result.errors is not None
        [error] = result.errors
        assert error.extensions == {"code": "STATEMENT_TIMEOUT"}
        assert error.message.startswith("The database took too long")
