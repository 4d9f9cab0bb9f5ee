"""Instructions per request and query type under valgrind: one configuration per process.

    valgrind --tool=callgrind --dump-before=getppid --callgrind-out-file=var/cg/full.%p \\
        .venv/bin/python -m bench.instructions full --listings 5000 --requests 10

Before each query type's block (and after the last) the process calls `os.getppid()`, whose C
function `getppid` makes callgrind dump its counters: each dump then holds the instructions of
one block (`python -m bench.instructions --read var/cg/full.<pid>` prints them per request).
Configurations as in bench/inprocess.py: full, no-cost (and, until 6bf0f34, no-shortcut).
Instruction counts do not depend on the machine's load, unlike timings.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import re
from typing import Any

import httpx

from bench.inprocess import CONFIGS, _app, _configure
from bench.queries import QUERY_TYPES, SEARCH_DOCUMENT
from bench.seed import sqlite_path


async def run(config: str, listings: int, requests: int) -> None:
    from c2c_api.runtime import tune_garbage_collector

    app = _app(f"sqlite+aiosqlite:///{sqlite_path(listings)}")
    schema = app.state.schema
    _configure(schema, config, list(schema.extensions))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def call(variables: dict[str, Any]) -> dict[str, Any]:
            response = await client.post(
                "/graphql", json={"query": SEARCH_DOCUMENT, "variables": variables}
            )
            body = response.json()
            assert response.status_code == 200 and "errors" not in body, body
            return body  # type: ignore[no-any-return]

        cursors: dict[tuple[str, int], str | None] = {}
        for qt in QUERY_TYPES:  # warm-up: every variant once
            for v, variant in enumerate(qt.variants):
                body = await call(variant.variables())
                if qt.second_page:
                    cursors[(qt.name, v)] = body["data"]["listings"]["pageInfo"]["endCursor"]
        tune_garbage_collector()
        for qt in QUERY_TYPES:
            os.getppid()  # callgrind dumps here: the block starts
            for i in range(requests):
                v = i % len(qt.variants)
                after = cursors.get((qt.name, v)) if qt.second_page else None
                await call(qt.variants[v].variables(after))
        os.getppid()


def read(prefix: str, requests: int) -> list[tuple[str, float]]:
    """Instructions per request of each block, from the dumps of one run."""
    numbered = [f for f in glob.glob(prefix + ".*") if f.rsplit(".", 1)[1].isdigit()]
    totals = []
    for name in sorted(numbered, key=lambda f: int(f.rsplit(".", 1)[1])):
        with open(name, encoding="utf-8", errors="replace") as dump:
            match = re.search(r"^summary: (\d+)", dump.read(), re.M)
        assert match is not None, name
        totals.append(int(match.group(1)))
    # dump 1 holds start-up and warm-up (up to the first getppid); dump k + 1, block k
    blocks = totals[1 : len(QUERY_TYPES) + 1]
    return [(qt.name, n / requests) for qt, n in zip(QUERY_TYPES, blocks, strict=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config", nargs="?", choices=CONFIGS, default="full")
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--read", help="print the per-request instructions of a run's dumps")
    args = parser.parse_args(argv)
    if args.read:
        for name, per_request in read(args.read, args.requests):
            print(f"{name}\t{per_request / 1e6:.2f} M")
        return 0
    asyncio.run(run(args.config, args.listings, args.requests))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
