"""A search page loads its cards' relations (seller, photos, favorite count) before the cards
resolve: only the relations the query selects, however it selects them (fragments, aliases),
and the cards then answer without a coroutine or a task each (docs/performance.md)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import sqlalchemy as sa
from search_support import create_listing, seed_categories
from test_search_statements import arrange

from c2c_api.db import Database
from c2c_api.graphql.loaders import settle
from factories import create_member

DIRECT = """
query($first: Int!) {
  listings(first: $first) {
    edges { node { id seller { displayName } photos { thumbUrl } favoriteCount } }
  }
}
"""

# The same selection through a named fragment, an inline fragment per kind and aliases.
FRAGMENTS = """
fragment Card on Listing { id who: seller { displayName } }
query($first: Int!) {
  listings(first: $first) {
    edges { node {
      ...Card
      ... on SaleListing { pictures: photos { thumbUrl } }
      ... on AuctionListing { pictures: photos { thumbUrl } }
      watchers: favoriteCount
    } }
  }
}
"""

BARE = "query($first: Int!) { listings(first: $first) { edges { node { id title } } } }"

RELATION_TABLES = ("members", "photos", "favorites")


async def run(
    db: Database, client: httpx.AsyncClient, query: str, first: int
) -> tuple[list[str], int, dict[str, Any]]:
    """The statements the request sent, the tasks it created, and its data."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    tasks = 0

    def counting(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        nonlocal tasks
        tasks += 1
        return asyncio.Task(coro, loop=loop, **kwargs)

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    loop.set_task_factory(counting)
    try:
        response = await client.post(
            "/graphql", json={"query": query, "variables": {"first": first}}
        )
    finally:
        loop.set_task_factory(previous)
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    body = response.json()
    assert "errors" not in body, body
    return seen, tasks, body["data"]


def reads_of(statements: list[str], table: str) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT") and table in s)


class TestRelationsArePrimed:
    async def test_fragments_and_aliases_cost_what_direct_fields_cost(self, db, client) -> None:
        await arrange(db)
        await run(db, client, DIRECT, 5)  # warm the category tree
        direct, _, direct_data = await run(db, client, DIRECT, 20)
        fragments, _, fragment_data = await run(db, client, FRAGMENTS, 20)
        assert len(fragments) == len(direct), "\n".join(fragments)
        for table in RELATION_TABLES:
            assert reads_of(direct, table) >= 1, table
            assert reads_of(fragments, table) == reads_of(direct, table), table
        for a, b in zip(
            direct_data["listings"]["edges"], fragment_data["listings"]["edges"], strict=True
        ):
            assert a["node"]["id"] == b["node"]["id"]
            assert b["node"]["who"] == a["node"]["seller"]
            assert b["node"]["pictures"] == a["node"]["photos"]
            assert len(b["node"]["pictures"]) == 2
            assert b["node"]["watchers"] == a["node"]["favoriteCount"]

    async def test_unselected_relations_are_not_read(self, db, client) -> None:
        await arrange(db)
        await run(db, client, BARE, 5)
        bare, _, data = await run(db, client, BARE, 20)
        assert len(data["listings"]["edges"]) == 20
        for table in ("photos", "favorites"):
            assert reads_of(bare, table) == 0, "\n".join(bare)
        assert not any("FROM members" in s for s in bare), "\n".join(bare)

    async def test_a_page_creates_as_many_tasks_whatever_its_size(self, db, client) -> None:
        await arrange(db)
        await run(db, client, DIRECT, 5)
        _, five, _ = await run(db, client, DIRECT, 5)
        _, fifty, data = await run(db, client, DIRECT, 50)
        assert len(data["listings"]["edges"]) == 50
        assert fifty == five, (five, fifty)

    async def test_a_listing_found_twice_on_a_page_reads_the_same(self, db, client) -> None:
        # Two cursors-free searches in one document share the request's loaders.
        async with db.transaction() as session:
            await seed_categories(session)
            seller = await create_member(session)
            await create_listing(session, seller.id, title="Lampe")
        query = (
            "query($first: Int!) { a: listings(first: $first) { edges { node { seller "
            "{ displayName } favoriteCount } } } b: listings(first: $first) { edges { node "
            "{ seller { displayName } favoriteCount } } } }"
        )
        _, _, data = await run(db, client, query, 5)
        assert data["a"] == data["b"]
        assert data["a"]["edges"][0]["node"]["favoriteCount"] == 0


class TestSettle:
    async def test_a_loaded_value_is_converted_at_once(self) -> None:
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        done.set_result(41)
        assert settle(done, lambda v: v + 1) == 42

    async def test_a_pending_value_is_converted_when_it_comes(self) -> None:
        pending: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        later = settle(pending, lambda v: v + 1)
        assert asyncio.iscoroutine(later)
        pending.set_result(1)
        assert await later == 2

    async def test_a_failed_load_raises_where_it_is_read(self) -> None:
        failed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        failed.set_exception(LookupError("gone"))
        try:
            settle(failed, lambda v: v)
        except LookupError as error:
            assert str(error) == "gone"
        else:  # pragma: no cover
            raise AssertionError("the loader's error was swallowed")
