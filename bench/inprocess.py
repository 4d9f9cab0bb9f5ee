"""In-process CPU per request and query type, with and without the query-cost analysis.

    python -m bench.seed --database sqlite --listings 5000 --members 500
    python -m bench.inprocess --listings 5000 --rounds 12 --per-round 6

The app is called over `httpx.ASGITransport` (every middleware, no sockets) on the seeded
SQLite database, with the benchmark's search document and variables (bench/queries.py). Two
configurations of one app, switched between blocks: `full` (the default) and `no-cost`
(without the QueryCost extension); until 6bf0f34 a third, `no-shortcut`, measured the execution
shortcut since removed (docs/performance.md section 7). Each round runs every query type in
every configuration (order rotated per round), `--per-round` requests each; the figure is the
process CPU time (`time.process_time`, the SQLite thread included) per request, median over
every request of the configuration. CPU time is less sensitive than wall time to other
processes on the machine, not immune to them (caches, frequency): read differences of a few
percent against the spread between runs.

It also times the cost analysis alone (plan lookup, evaluation, in-process budget) on the
search document, many iterations.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import time
from typing import Any

import httpx

from bench.queries import QUERY_TYPES, SEARCH_DOCUMENT
from bench.run import server_env
from bench.seed import sqlite_path

CONFIGS = ("full", "no-cost")


def _app(url: str) -> Any:
    os.environ.update(server_env(url))
    # Budgets out of the way: every request is measured, none refused.
    os.environ.update(
        C2C_GRAPHQL_BUDGET_CAPACITY_ANONYMOUS="1000000000",
        C2C_GRAPHQL_BUDGET_REFILL_ANONYMOUS="1000000000",
        C2C_LOG_LEVEL="WARNING",
    )
    from c2c_api.app import create_app
    from c2c_api.config import Settings

    return create_app(Settings())


def _configure(schema: Any, config: str, extensions: list[Any]) -> None:
    schema.extensions = [
        e
        for e in extensions
        if not (config == "no-cost" and getattr(e, "__name__", "") == "QueryCost")
    ]


async def measure(url: str, rounds: int, per_round: int) -> dict[str, Any]:
    from c2c_api.runtime import tune_garbage_collector

    app = _app(url)
    schema = app.state.schema
    extensions = list(schema.extensions)
    assert any(getattr(e, "__name__", "") == "QueryCost" for e in extensions)
    transport = httpx.ASGITransport(app=app)
    cpu: dict[str, dict[str, list[float]]] = {
        qt.name: {c: [] for c in CONFIGS} for qt in QUERY_TYPES
    }
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def call(variables: dict[str, Any]) -> dict[str, Any]:
            response = await client.post(
                "/graphql", json={"query": SEARCH_DOCUMENT, "variables": variables}
            )
            body = response.json()
            assert response.status_code == 200 and "errors" not in body, body
            return body  # type: ignore[no-any-return]

        cursors: dict[tuple[str, int], str | None] = {}
        for qt in QUERY_TYPES:
            for v, variant in enumerate(qt.variants):
                body = await call(variant.variables())
                if qt.second_page:
                    cursors[(qt.name, v)] = body["data"]["listings"]["pageInfo"]["endCursor"]
        tune_garbage_collector()
        for r in range(rounds):
            order = CONFIGS[r % 2 :] + CONFIGS[: r % 2]
            for qt in QUERY_TYPES:
                for config in order:
                    _configure(schema, config, extensions)
                    for i in range(per_round):
                        v = (r * per_round + i) % len(qt.variants)
                        after = cursors.get((qt.name, v)) if qt.second_page else None
                        variables = qt.variants[v].variables(after)
                        started = time.process_time()
                        await call(variables)
                        cpu[qt.name][config].append(time.process_time() - started)
        _configure(schema, "full", extensions)
    return cpu


def time_cost_analysis(iterations: int) -> dict[str, float]:
    """Microseconds per request for the cost analysis alone, on the search document."""
    from graphql import parse

    from c2c_api.config import Settings
    from c2c_api.graphql.cost import PlanCache, evaluate
    from c2c_api.graphql.schema import build_schema
    from c2c_api.kit.ratelimit import LocalBuckets, Rate

    schema = build_schema(Settings())._schema
    document = parse(SEARCH_DOCUMENT)
    plans = PlanCache(16)
    variables = {"query": "iphone", "first": 20}
    buckets = LocalBuckets()
    rate = Rate(capacity=10**12, refill_per_second=1.0)

    async def run() -> tuple[float, float]:
        started = time.perf_counter()
        for _ in range(iterations):
            compiled = plans.get(schema, SEARCH_DOCUMENT, document, None)
            assert compiled is not None
            evaluate(compiled, variables)
        plan_and_eval = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(iterations):
            await buckets.take("ip:127.0.0.1", 542, rate)
        return plan_and_eval, time.perf_counter() - started

    plan_and_eval, take = asyncio.run(run())
    return {
        "plan_and_evaluate_us": plan_and_eval / iterations * 1e6,
        "budget_take_us": take / iterations * 1e6,
    }


def report(cpu: dict[str, dict[str, list[float]]]) -> str:
    lines = [
        "| query type | ms CPU per request | without the cost analysis | cost analysis share |",
        "|---|--:|--:|--:|",
    ]
    totals = {c: 0.0 for c in CONFIGS}
    for name, by_config in cpu.items():
        med = {c: statistics.median(v) * 1000 for c, v in by_config.items()}
        for c in CONFIGS:
            totals[c] += med[c]
        share = (med["full"] - med["no-cost"]) / med["full"] * 100
        lines.append(f"| {name} | {med['full']:.2f} | {med['no-cost']:.2f} | {share:+.1f} % |")
    share = (totals["full"] - totals["no-cost"]) / totals["full"] * 100
    lines.append(
        f"| **all (sum of medians)** | {totals['full']:.2f} | {totals['no-cost']:.2f} | "
        f"{share:+.1f} % |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--per-round", type=int, default=6)
    parser.add_argument("--cost-iterations", type=int, default=20_000)
    parser.add_argument("--json", help="also write the raw figures here")
    args = parser.parse_args(argv)
    url = f"sqlite+aiosqlite:///{sqlite_path(args.listings)}"
    load_before = os.getloadavg()
    cpu = asyncio.run(measure(url, args.rounds, args.per_round))
    micro = time_cost_analysis(args.cost_iterations)
    load_after = os.getloadavg()
    print(report(cpu))
    print()
    print(
        f"cost analysis alone: plan lookup + evaluation {micro['plan_and_evaluate_us']:.1f} µs, "
        f"in-process budget {micro['budget_take_us']:.1f} µs per request"
    )
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}")
    spread = {
        name: {c: (min(v) * 1000, max(v) * 1000) for c, v in by.items()} for name, by in cpu.items()
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"cpu": cpu, "micro": micro, "spread_ms": spread}, out)
    gc.collect()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
