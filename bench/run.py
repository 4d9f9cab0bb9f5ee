"""Drive the real app (HTTP + GraphQL) and the bare baseline with the same search mix.

    python -m bench.run --database sqlite          # var/bench/c2c_bench_100000.sqlite3
    python -m bench.run --database postgresql      # c2c_bench_1m (see bench/seed.py)
    python -m bench.run --url postgresql+asyncpg://…/c2c_bench_200000

Both servers run in subprocesses on 127.0.0.1 with uvicorn, one worker each, on the seeded
database: the app with `c2c-api serve` (every middleware, its JSON access log at INFO), the
baseline with `uvicorn bench.baseline:app`. The load generator (httpx.AsyncClient, this
process) shares the machine's cores with them.

Method:
  1. Check: every variant of every query type once on each side; the two JSON answers must
     be identical (same listings, same fields), and the number of SQL statements per request
     is counted in-process (same database, ASGI transport) for both sides.
  2. Warm-up: `--warmup` requests per side (and the first pages whose endCursor the
     "keyword-page2" type continues from).
  3. Two measured phases, each query type in its own block, the sides alternating
     (GraphQL first for even types, baseline first for odd ones):
       latency   concurrency 1: the service time of one request, nothing queued;
       load      concurrency `--concurrency` (8): throughput, and latency with queueing.
     A block stops after its share of `--requests` or after `--block-seconds`.
  4. A table per phase: p50/p95/p99 (ms) and requests per second per type and overall, for
     GraphQL and the baseline, and the ratio GraphQL / baseline; results saved as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.queries import QUERY_TYPES, SEARCH_DOCUMENT, QueryType
from bench.seed import BENCH_DIR, DEFAULT_ADMIN_URL, pg_database_name, sqlite_path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-not-for-production-0123456789"
SIDES = ("graphql", "baseline")


@dataclass
class Block:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    rows: int = 0

    def merge(self, other: Block) -> None:
        self.latencies.extend(other.latencies)
        self.errors += other.errors
        self.seconds += other.seconds
        self.rows += other.rows

    def stats(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        if not lat:
            return {"n": 0}

        def pct(p: float) -> float:
            # nearest-rank percentile
            k = max(0, min(len(lat) - 1, math.ceil(p / 100 * len(lat)) - 1))
            return lat[k] * 1000

        return {
            "n": len(lat),
            "errors": self.errors,
            "p50": pct(50),
            "p95": pct(95),
            "p99": pct(99),
            "mean": statistics.fmean(lat) * 1000,
            "rps": len(lat) / self.seconds if self.seconds else 0.0,
            "rows_per_request": self.rows / len(lat),
        }


# --- servers -----------------------------------------------------------------------------------


def server_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        C2C_DATABASE_URL=url,
        C2C_SECRET_KEY=SECRET,
        C2C_ENV="development",
        C2C_STORAGE_LOCAL_PATH=str(BENCH_DIR / "media"),
        PYTHONUNBUFFERED="1",
        # A load test from one address: the query budget is computed on every request (its
        # cost is part of what is measured) but never runs out.
        C2C_GRAPHQL_BUDGET_CAPACITY_ANONYMOUS="1000000000",
        C2C_GRAPHQL_BUDGET_REFILL_ANONYMOUS="1000000000",
    )
    return env


def start_servers(
    url: str, ports: dict[str, int], log_dir: Path
) -> dict[str, subprocess.Popen[bytes]]:
    venv_bin = Path(sys.executable).parent
    commands = {
        "graphql": [
            str(venv_bin / "c2c-api"), "serve", "--host", "127.0.0.1",
            "--port", str(ports["graphql"]), "--workers", "1",
        ],
        "baseline": [
            sys.executable, "-m", "uvicorn", "bench.baseline:app", "--host", "127.0.0.1",
            "--port", str(ports["baseline"]), "--workers", "1", "--no-access-log",
            "--log-level", "warning",
        ],
    }  # fmt: skip
    procs = {}
    for side, command in commands.items():
        log = open(log_dir / f"server-{side}.log", "wb")  # noqa: SIM115 (lives with the process)
        procs[side] = subprocess.Popen(  # noqa: S603 (our own fixed commands)
            command, cwd=ROOT, env=server_env(url), stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    for side, port in ports.items():
        while True:
            if procs[side].poll() is not None:
                raise RuntimeError(f"{side} server exited; see {log_dir}/server-{side}.log")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{side} server did not start")
            time.sleep(0.2)
    return procs


def stop_servers(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in procs.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- requests ----------------------------------------------------------------------------------


class Sides:
    def __init__(self, ports: dict[str, int]) -> None:
        self.ports = ports
        self.clients = {
            side: httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}",
                timeout=30,
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
            )
            for side, port in ports.items()
        }
        # (type name, variant index, side) -> cursor of the first page
        self.cursors: dict[tuple[str, int, str], str | None] = {}

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    def variables(self, qt: QueryType, index: int, side: str) -> dict[str, Any]:
        v = index % len(qt.variants)
        after = self.cursors.get((qt.name, v, side)) if qt.second_page else None
        return qt.variants[v].variables(after=after)

    async def call(self, side: str, variables: dict[str, Any]) -> tuple[float, Any]:
        client = self.clients[side]
        started = time.perf_counter()
        if side == "graphql":
            response = await client.post(
                "/graphql",
                json={"query": SEARCH_DOCUMENT, "variables": variables, "operationName": "Search"},
                headers={"accept": "application/json"},
            )
        else:
            response = await client.post("/search", json=variables)
        elapsed = time.perf_counter() - started
        body = response.json() if response.status_code == 200 else None
        if body is None or body.get("errors"):
            return elapsed, None
        return elapsed, body["data"]["listings"]


async def run_block(
    sides: Sides, side: str, qt: QueryType, count: int, concurrency: int, max_seconds: float
) -> Block:
    block = Block()
    next_index = 0
    deadline = time.perf_counter() + max_seconds

    async def worker() -> None:
        nonlocal next_index
        while next_index < count and time.perf_counter() < deadline:
            i = next_index
            next_index += 1
            elapsed, data = await sides.call(side, sides.variables(qt, i, side))
            block.latencies.append(elapsed)
            if data is None:
                block.errors += 1
            else:
                block.rows += len(data["edges"])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    block.seconds = time.perf_counter() - started
    return block


async def prepare_cursors(sides: Sides) -> None:
    for qt in QUERY_TYPES:
        if not qt.second_page:
            continue
        for v, variant in enumerate(qt.variants):
            for side in SIDES:
                _, data = await sides.call(side, variant.variables())
                cursor = data["pageInfo"]["endCursor"] if data else None
                sides.cursors[(qt.name, v, side)] = cursor


async def compare_answers(sides: Sides) -> list[str]:
    """Every variant once on each side: the answers must be the same document."""
    problems = []
    for qt in QUERY_TYPES:
        for v in range(len(qt.variants)):
            answers = {}
            for side in SIDES:
                _, answers[side] = await sides.call(side, sides.variables(qt, v, side))
            if answers["graphql"] is None or answers["baseline"] is None:
                problems.append(f"{qt.name}[{v}]: an error answer")
            elif answers["graphql"] != answers["baseline"]:
                problems.append(f"{qt.name}[{v}]: the answers differ")
    return problems


def count_statements(url: str) -> dict[str, dict[str, float]]:
    """SQL statements per request on each side, counted in-process over ASGI (mean per type)."""
    os.environ.update(server_env(url))
    from sqlalchemy import event

    from bench import baseline
    from c2c_api.app import create_app
    from c2c_api.config import Settings

    app = create_app(Settings())
    engines = {
        "graphql": app.state.db.engine.sync_engine,
        "baseline": baseline.db.engine.sync_engine,
    }
    counts = {"graphql": 0, "baseline": 0}

    def listener(side: str) -> Any:
        def on_execute(*_: Any) -> None:
            counts[side] += 1

        return on_execute

    for side, engine in engines.items():
        event.listen(engine, "before_cursor_execute", listener(side))

    async def run() -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        transports = {
            "graphql": httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://a"
            ),
            "baseline": httpx.AsyncClient(
                transport=httpx.ASGITransport(app=baseline.app), base_url="http://b"
            ),
        }
        try:
            for qt in QUERY_TYPES:
                if qt.second_page:
                    continue
                per_side = {}
                for side in SIDES:
                    counts[side] = 0
                    for variant in qt.variants:
                        if side == "graphql":
                            await transports[side].post(
                                "/graphql",
                                json={"query": SEARCH_DOCUMENT, "variables": variant.variables()},
                                headers={"accept": "application/json"},
                            )
                        else:
                            await transports[side].post("/search", json=variant.variables())
                    per_side[side] = counts[side] / len(qt.variants)
                out[qt.name] = per_side
        finally:
            for client in transports.values():
                await client.aclose()
            await app.state.db.dispose()
            await baseline.db.dispose()
        return out

    return asyncio.run(run())


# --- report ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import sqlite3

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
    }


PG_SETTINGS = ("shared_buffers", "effective_cache_size", "work_mem", "random_page_cost")
# What a running server keeps in shared_buffers, read into it before measuring (pg_prewarm):
# the figures are then those of a server in steady state, not of its first minutes.
PREWARM = ("listings", "photos", "favorites", "members", "categories")


def postgres_settings(url: str, prewarm: bool) -> dict[str, Any]:
    """The server settings search depends on, and (optionally) the tables and their indexes
    read into shared buffers. Warns when the database does not fit in shared_buffers."""
    import psycopg

    sync_url = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    with psycopg.connect(sync_url, autocommit=True) as conn:
        out: dict[str, Any] = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in PG_SETTINGS
        }
        row = conn.execute(
            "SELECT pg_database_size(current_database()), "
            "(SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers')"
        ).fetchone()
        assert row is not None
        size, buffers = int(row[0]), int(row[1])
        out["database_size"] = f"{size / 2**30:.1f} GiB"
        if size > buffers:
            print(
                f"WARNING: the database ({size / 2**30:.1f} GiB) is larger than shared_buffers"
                f" ({out['shared_buffers']}): cold pages are disk reads (docs/performance.md)",
                file=sys.stderr,
            )
        out["prewarmed"] = False
        if prewarm:
            started = time.perf_counter()
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            blocks = conn.execute(
                "SELECT coalesce(sum(pg_prewarm(c.oid::regclass)), 0) FROM pg_class c "
                "WHERE c.oid IN (SELECT unnest(ARRAY[t.oid, t.reltoastrelid]) FROM pg_class t "
                "WHERE t.relname = ANY(%s)) "
                "OR c.oid IN (SELECT indexrelid FROM pg_index i JOIN pg_class t "
                "ON t.oid = i.indrelid WHERE t.relname = ANY(%s))",
                (list(PREWARM), list(PREWARM)),
            ).fetchone()
            out["prewarmed"] = True
            out["prewarm_blocks"] = int(blocks[0]) if blocks else 0
            out["prewarm_seconds"] = round(time.perf_counter() - started, 1)
    return out


def table(phase: str, results: dict[str, dict[str, Block]], concurrency: int) -> str:
    head = (
        f"\n{phase} (concurrency {concurrency}); latency in ms, rps = requests per second\n"
        f"{'query type':<20} {'side':<9} {'n':>5} {'err':>4} {'p50':>8} {'p95':>8} {'p99':>8}"
        f" {'rps':>8} {'rows':>5}   GraphQL/baseline p50 p95 rps"
    )
    lines = [head, "-" * len(head.splitlines()[-1])]
    names = [qt.name for qt in QUERY_TYPES] + ["overall"]
    for name in names:
        stats = {side: results[name][side].stats() for side in SIDES}
        for side in SIDES:
            s = stats[side]
            if not s["n"]:
                continue
            ratio = ""
            if side == "graphql" and stats["baseline"]["n"]:
                b = stats["baseline"]
                ratio = (
                    f"   x{s['p50'] / b['p50']:.2f} x{s['p95'] / b['p95']:.2f}"
                    f" x{b['rps'] / s['rps']:.2f}"
                )
            label = name if side == "graphql" else ""
            lines.append(
                f"{label:<20} {side:<9} {s['n']:>5} {s['errors']:>4} {s['p50']:>8.1f}"
                f" {s['p95']:>8.1f} {s['p99']:>8.1f} {s['rps']:>8.1f}"
                f" {s['rows_per_request']:>5.1f}{ratio}"
            )
    return "\n".join(lines)


async def measure(args: argparse.Namespace, ports: dict[str, int]) -> dict[str, Any]:
    sides = Sides(ports)
    try:
        await prepare_cursors(sides)
        problems = await compare_answers(sides) if not args.no_check else []
        for problem in problems:
            print(f"  CHECK: {problem}", file=sys.stderr)
        # Warm-up: every type on both sides (caches, connection pools, the OS page cache).
        per_type = max(1, args.warmup // len(QUERY_TYPES))
        for qt in QUERY_TYPES:
            for side in SIDES:
                await run_block(sides, side, qt, per_type, args.concurrency, args.block_seconds)
        phases: dict[str, Any] = {}
        loads = [os.getloadavg()]
        for phase, concurrency, total in (
            ("latency", 1, args.latency_requests),
            ("load", args.concurrency, args.requests),
        ):
            per_type = max(1, total // len(QUERY_TYPES))
            results: dict[str, dict[str, Block]] = {
                name: {side: Block() for side in SIDES}
                for name in [qt.name for qt in QUERY_TYPES] + ["overall"]
            }
            for t, qt in enumerate(QUERY_TYPES):
                order = SIDES if t % 2 == 0 else tuple(reversed(SIDES))
                for side in order:
                    block = await run_block(
                        sides, side, qt, per_type, concurrency, args.block_seconds
                    )
                    results[qt.name][side] = block
                    results["overall"][side].merge(block)
                    s = block.stats()
                    print(
                        f"  {phase:<7} {qt.name:<20} {side:<9} n={s['n']} p50={s['p50']:.1f}"
                        f" p95={s['p95']:.1f} rps={s['rps']:.1f} errors={s['errors']}",
                        file=sys.stderr,
                        flush=True,
                    )
            print(table(phase, results, concurrency))
            loads.append(os.getloadavg())
            print(f"load average (1, 5, 15 min) before/after: {loads[-2]} / {loads[-1]}")
            phases[phase] = {
                "concurrency": concurrency,
                "loadavg_before": loads[-2],
                "loadavg_after": loads[-1],
                "results": {
                    name: {side: results[name][side].stats() for side in SIDES} for name in results
                },
            }
        return {"check_problems": problems, "phases": phases}
    finally:
        await sides.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--listings", type=int, help="which seeded database (see bench.seed)")
    parser.add_argument("--url", help="C2C_DATABASE_URL of a seeded database (overrides)")
    parser.add_argument("--requests", type=int, default=2000, help="per side, load phase")
    parser.add_argument("--latency-requests", type=int, default=900, help="per side, c=1")
    parser.add_argument("--warmup", type=int, default=270, help="per side")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--block-seconds", type=float, default=20.0, help="cap per block")
    parser.add_argument("--no-check", action="store_true", help="skip the answer comparison")
    parser.add_argument("--port", type=int, default=8765, help="GraphQL; baseline on port+1")
    parser.add_argument(
        "--no-prewarm",
        action="store_true",
        help="PostgreSQL: do not read the tables into shared buffers first (pg_prewarm)",
    )
    args = parser.parse_args(argv)

    n = args.listings or (100_000 if args.database == "sqlite" else 1_000_000)
    if args.url:
        url = args.url
    elif args.database == "sqlite":
        path = sqlite_path(n)
        if not path.exists():
            print(
                f"{path} is missing: run `python -m bench.seed --database sqlite`", file=sys.stderr
            )
            return 2
        url = f"sqlite+aiosqlite:///{path}"
    else:
        admin = os.environ.get("C2C_BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL)
        base = admin.rsplit("/", 1)[0]
        url = f"{base}/{pg_database_name(n)}".replace("postgresql://", "postgresql+asyncpg://", 1)

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"database: {url}", file=sys.stderr)
    server: dict[str, Any] = {}
    if url.startswith("postgresql"):
        server = postgres_settings(url, prewarm=not args.no_prewarm)
        print(f"PostgreSQL: {server}", file=sys.stderr)
    statements = count_statements(url)
    print("SQL statements per request (mean per type):", file=sys.stderr)
    for name, per_side in statements.items():
        print(
            f"  {name:<20} graphql={per_side['graphql']:.1f} baseline={per_side['baseline']:.1f}",
            file=sys.stderr,
        )

    ports = {"graphql": args.port, "baseline": args.port + 1}
    procs = start_servers(url, ports, BENCH_DIR)
    try:
        outcome = asyncio.run(measure(args, ports))
    finally:
        stop_servers(procs)
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],  # noqa: S607 (git from PATH)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    report = {
        "commit": commit,
        "database_url": url.split("@")[-1],
        "listings": n,
        "machine": machine(),
        "postgresql": server,
        "args": vars(args),
        "statements_per_request": statements,
        "seconds": round(time.perf_counter() - started, 1),
        **outcome,
    }
    name = f"results-{'sqlite' if url.startswith('sqlite') else 'postgresql'}-{n}.json"
    (BENCH_DIR / name).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nmachine: {report['machine']}, commit {commit}")
    if server:
        print(f"PostgreSQL: {server}")
    print(f"results: {BENCH_DIR / name} ({report['seconds']} s)")
    if outcome["check_problems"]:
        print(f"WARNING: {len(outcome['check_problems'])} answers differ between the sides")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
