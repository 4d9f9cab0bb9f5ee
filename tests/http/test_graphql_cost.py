"""Query cost: computed before execution, bounded per caller, spent from a per-client budget.

docs/limits.md explains the rules; these tests are their specification.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import parse

from auth_factories import bearer, create_member, partner_token
from c2c_api.app import create_app
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.graphql.cost import (
    DEFAULT_LIST_SIZE,
    HUGE,
    INTROSPECTION_COST,
    MUTATION_WEIGHT,
    compile_plans,
    evaluate,
)
from c2c_api.graphql.schema import build_schema
from c2c_api.kit.ratelimit import LocalBuckets, Rate, RedisBuckets

GQL = {"accept": "application/graphql-response+json"}
REDIS_ENV = "C2C_TEST_REDIS_URL"

# The adversarial partner query of issue 8: 1,020,100 members within depth, alias and token
# limits before query cost existed (79.5 MB, 65 s).
NESTED_MEMBERS = """
{ partner { members(first: 100) { edges { node { storefront {
    members(first: 100) { edges { node { storefront {
      members(first: 100) { edges { node { id displayName } } } } } } } } } } } } }
"""
SEARCH_CARD = """
edges { node { id title displayPrice { amount } seller { displayName } photos { thumbUrl } } }
"""


def cost_of(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> int:
    plans = compile_plans(build_schema()._schema, parse(query), name)
    assert plans is not None
    return evaluate(plans, variables or {})


def many_searches(aliases: int, first: int = 20) -> str:
    fields = " ".join(
        f'a{i}: listings(query: "velo", first: {first}) {{ {SEARCH_CARD} }}' for i in range(aliases)
    )
    return f"{{ {fields} }}"


class TestStaticCost:
    def test_scalars_are_free_and_a_request_costs_at_least_one(self) -> None:
        assert cost_of("{ __typename }") == 1
        assert cost_of("{ viewer { id displayName } }") == 1

    def test_a_connection_multiplies_its_edges_by_first(self) -> None:
        # partner 1 + members 1 + 10 x (edge 1 + node 1)
        query = "{ partner { members(first: 10) { edges { node { id } } } } }"
        assert cost_of(query) == 2 + 10 * 2

    def test_the_schema_default_applies_without_first(self) -> None:
        # Partner.members: first defaults to 20
        query = "{ partner { members { edges { node { id } } } } }"
        assert cost_of(query) == 2 + 20 * 2

    def test_variables_are_resolved_and_default_to_the_operation_default(self) -> None:
        query = "query($n: Int! = 5) { partner { members(first: $n) { edges { cursor } } } }"
        assert cost_of(query) == 2 + 5
        assert cost_of(query, {"n": 50}) == 2 + 50
        assert cost_of(query, {"n": "fifty"}) == 2 + 5  # execution refuses it anyway

    def test_nested_lists_multiply_through(self) -> None:
        assert cost_of(NESTED_MEMBERS) == 2_040_402

    def test_fragments_and_inline_fragments_count_where_spread(self) -> None:
        inline = (
            "{ partner { members(first: 10) { edges { node { "
            "... on Member { storefront { id } } } } } } }"
        )
        spread = (
            "{ partner { members(first: 10) { ...E } } } "
            "fragment E on MemberConnection { edges { node { storefront { id } } } }"
        )
        assert cost_of(inline) == cost_of(spread) == 2 + 10 * 3

    def test_a_fragment_spread_twice_counts_twice(self) -> None:
        query = (
            "{ partner { a: members(first: 4) { ...E } b: members(first: 4) { ...E } } } "
            "fragment E on MemberConnection { edges { node { id } } }"
        )
        assert cost_of(query) == 1 + 2 * (1 + 4 * 2)

    def test_chained_fragments_are_not_expanded_exponentially(self) -> None:
        depth = 60  # each fragment spreads the next twice: 2^60 expansions if inlined
        fragments = " ".join(
            f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(depth)
        )
        query = f"{{ ...F0 }} {fragments} fragment F{depth} on Query {{ viewer {{ id }} }}"
        started = time.perf_counter()
        assert cost_of(query) == 2**depth
        assert time.perf_counter() - started < 1

    def test_lists_without_first_have_an_assumed_size(self) -> None:
        assert cost_of("{ categories { slug } }") == 50
        assert cost_of("{ categories { children { slug } } }") == 50 * (1 + 30)
        assert DEFAULT_LIST_SIZE == 10

    def test_searches_weigh_more_than_their_objects(self) -> None:
        assert cost_of('{ listings(query: "x", first: 1) { totalCount } }') == 200 + 20

    def test_mutations_weigh_more(self) -> None:
        query = 'mutation { addFavorite(listingId: "x") { __typename } }'
        assert cost_of(query) == MUTATION_WEIGHT

    def test_introspection_has_a_fixed_cost(self) -> None:
        assert cost_of("{ __schema { types { fields { args { name } } } } }") == INTROSPECTION_COST

    def test_a_huge_literal_is_huge(self) -> None:
        query = "{ partner { members(first: " + "9" * 5000 + ") { edges { cursor } } } }"
        assert cost_of(query) == 2 + HUGE

    def test_the_selected_operation_is_costed(self) -> None:
        query = "query A { viewer { id } } query B { categories { slug } }"
        assert cost_of(query, name="A") == 1
        assert cost_of(query, name="B") == 50


@pytest.fixture
def tight(settings: Settings) -> Settings:
    """Settings with a small anonymous budget: 2,100 a request, 3,000 points, 10 a second."""
    return settings.model_copy(
        update={
            "graphql_cost_max_anonymous": 2_100,
            "graphql_budget_capacity_anonymous": 3_000,
            "graphql_budget_refill_anonymous": 10.0,
        }
    )


@pytest.fixture
async def tight_client(db: Database, tight: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(tight, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c


async def post(
    client: httpx.AsyncClient,
    query: str,
    headers: dict[str, str] | None = None,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    body = {"query": query, "variables": variables}
    return await client.post("/graphql", json=body, headers={**GQL, **(headers or {})})


class TestCostOverHttp:
    async def test_the_nested_partner_query_is_refused_before_execution(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, token = await partner_token(db, scopes=["partner:read", "partner:members"])
        response = await post(client, NESTED_MEMBERS, bearer(token))
        assert response.status_code == 400
        body = response.json()
        assert "data" not in body  # nothing ran
        [error] = body["errors"]
        assert error["extensions"] == {
            "code": "COST_LIMIT_EXCEEDED",
            "cost": 2_040_402,
            "maximum": 20_000,
        }
        assert body["extensions"]["cost"] == {"requested": 2_040_402, "maximum": 20_000}

    async def test_the_same_query_one_level_down_runs_for_a_partner(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        partner, token = await partner_token(db, scopes=["partner:read", "partner:members"])
        await create_member(db, partner=partner)
        query = "{ partner { members(first: 100) { edges { node { displayName } } } } }"
        response = await post(client, query, bearer(token))
        assert response.status_code == 200
        body = response.json()
        assert len(body["data"]["partner"]["members"]["edges"]) == 1
        cost = body["extensions"]["cost"]
        assert cost["requested"] == 202
        assert cost["maximum"] == 20_000
        assert cost["budget"]["capacity"] == 200_000
        assert cost["budget"]["remaining"] == 200_000 - 202

    async def test_the_maximum_depends_on_the_caller(self, client: httpx.AsyncClient) -> None:
        response = await post(client, many_searches(8))  # 8 x (200 + 20 x 24) = 5,440
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
        assert response.json()["errors"][0]["extensions"]["maximum"] == 5_000

    async def test_french_callers_read_french(self, client: httpx.AsyncClient) -> None:
        response = await post(client, many_searches(8), {"accept-language": "fr"})
        assert response.json()["errors"][0]["message"].startswith("Cette requête est trop")


class TestBudget:
    async def test_each_request_spends_its_cost(self, tight_client: httpx.AsyncClient) -> None:
        first = await post(tight_client, "{ categories { slug } }")
        second = await post(tight_client, "{ categories { slug } }")
        assert first.json()["extensions"]["cost"]["budget"] == {
            "remaining": 2_950,
            "capacity": 3_000,
            "refillPerSecond": 10.0,
        }
        assert second.json()["extensions"]["cost"]["budget"]["remaining"] in (2_900, 2_901)

    async def test_an_exhausted_budget_is_429_with_retry_after(
        self, tight_client: httpx.AsyncClient
    ) -> None:
        heavy = many_searches(3)  # 3 x 680 = 2,040: one fits in 3,000, not two
        assert (await post(tight_client, heavy)).status_code == 200
        refused = await post(tight_client, heavy)
        assert refused.status_code == 429
        body = refused.json()
        assert "data" not in body
        [error] = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        # 2,040 - 960 left = 1,080 points at 10 a second
        assert 107 <= error["extensions"]["retryAfter"] <= 108
        assert refused.headers["retry-after"] == str(error["extensions"]["retryAfter"])
        # a cheap request still fits
        assert (await post(tight_client, "{ categories { slug } }")).status_code == 200

    async def test_legacy_json_clients_get_429_too(self, tight_client: httpx.AsyncClient) -> None:
        heavy = many_searches(3)
        await tight_client.post("/graphql", json={"query": heavy})
        refused = await tight_client.post("/graphql", json={"query": heavy})
        assert refused.status_code == 429
        assert "retry-after" in refused.headers

    async def test_budgets_are_per_client(
        self, tight_client: httpx.AsyncClient, db: Database
    ) -> None:
        heavy = many_searches(3)
        await post(tight_client, heavy)
        assert (await post(tight_client, heavy)).status_code == 429
        _, token = await partner_token(db, scopes=["partner:read"])
        response = await post(tight_client, heavy, bearer(token))
        assert response.status_code == 200  # a partner spends its own budget

    async def test_a_refused_document_spends_nothing(self, tight_client: httpx.AsyncClient) -> None:
        assert (await post(tight_client, many_searches(4))).status_code == 400
        response = await post(tight_client, "{ __typename }")
        assert response.json()["extensions"]["cost"]["budget"]["remaining"] == 2_999


class TestLocalBuckets:
    async def test_refills_over_time_up_to_capacity(self) -> None:
        now = [0.0]
        buckets = LocalBuckets(now=lambda: now[0])
        rate = Rate(capacity=100, refill_per_second=10)
        assert (await buckets.take("k", 100, rate)).allowed
        refused = await buckets.take("k", 50, rate)
        assert not refused.allowed
        assert refused.retry_after == 5
        assert refused.retry_after_seconds == 5
        now[0] = 5.0
        assert (await buckets.take("k", 50, rate)).allowed
        now[0] = 1_000.0
        assert (await buckets.take("k", 0, rate)).remaining == 100

    async def test_forgets_the_least_recently_used_keys(self) -> None:
        buckets = LocalBuckets(max_keys=2)
        rate = Rate(capacity=10, refill_per_second=0.001)
        for key in ("a", "b", "c"):
            await buckets.take(key, 10, rate)
        assert (await buckets.take("a", 10, rate)).allowed  # forgotten: full again
        assert not (await buckets.take("c", 10, rate)).allowed


@pytest.fixture
async def redis_buckets() -> AsyncIterator[tuple[RedisBuckets, RedisBuckets]]:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"Redis tests skipped: set {REDIS_ENV} to run them")
    prefix = f"c2c:test:{uuid.uuid4().hex}:"
    # A generous timeout: on a loaded test machine a 0.5 s timeout would admit unchecked.
    one = RedisBuckets(url, prefix=prefix, timeout=10)
    two = RedisBuckets(url, prefix=prefix, timeout=10)
    yield one, two
    await one.close()
    await two.close()


class TestRedisBuckets:
    async def test_two_processes_spend_one_budget(
        self, redis_buckets: tuple[RedisBuckets, RedisBuckets]
    ) -> None:
        one, two = redis_buckets
        rate = Rate(capacity=100, refill_per_second=0.01)
        assert (await one.take("client:x", 60, rate)).allowed
        refused = await two.take("client:x", 60, rate)
        assert not refused.allowed
        assert 39 <= refused.remaining <= 41
        assert refused.retry_after > 1_000
        assert (await two.take("client:y", 60, rate)).allowed

    async def test_refills_on_redis_time(
        self, redis_buckets: tuple[RedisBuckets, RedisBuckets]
    ) -> None:
        one, _ = redis_buckets
        rate = Rate(capacity=100, refill_per_second=200)
        assert (await one.take("k", 100, rate)).allowed
        assert not (await one.take("k", 100, rate)).allowed
        await asyncio.sleep(0.6)  # 120 points regained, capped at 100
        assert (await one.take("k", 100, rate)).allowed

    async def test_concurrent_takes_never_overspend(
        self, redis_buckets: tuple[RedisBuckets, RedisBuckets]
    ) -> None:
        one, two = redis_buckets
        rate = Rate(capacity=1_000, refill_per_second=0.001)
        outcomes = await asyncio.gather(
            *(client.take("shared", 10, rate) for _ in range(80) for client in (one, two))
        )
        assert sum(o.allowed for o in outcomes) == 100

    async def test_an_unreachable_redis_allows_and_warns(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        buckets = RedisBuckets("redis://127.0.0.1:1/0")
        outcome = await buckets.take("k", 10, Rate(capacity=5, refill_per_second=1))
        assert outcome.allowed
        assert "Redis unavailable" in caplog.text
        await buckets.close()

    async def test_the_app_uses_redis_when_configured(
        self, db: Database, settings: Settings
    ) -> None:
        url = os.environ.get(REDIS_ENV)
        if not url:
            pytest.skip(f"Redis tests skipped: set {REDIS_ENV} to run them")
        app = create_app(settings.model_copy(update={"redis_url": url}), db=db)
        assert isinstance(app.state.cost_budgets, RedisBuckets)
        await app.state.cost_budgets.close()
