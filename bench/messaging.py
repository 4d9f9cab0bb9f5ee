"""Conversations on PostgreSQL: a long thread paged newest first, and one message fanned out live.

    python -m bench.messaging                  # C2C_BENCH_POSTGRES_URL (default
                                               # postgresql://postgres@127.0.0.1:5432/test),
                                               # C2C_BENCH_REDIS_URL (default redis://127.0.0.1:6379/0)
    python -m bench.messaging --messages 10000 --subscribers 1000 --sends 20

A fresh, uniquely named PostgreSQL database is created, migrated with
`c2c_api.migrations.upgrade`, and dropped at the end (`--keep` keeps it).

(a) Paging. One thread of `--messages` (10,000) messages between a seller and a buyer: the
  first sent through `sendMessage`, the others inserted in one statement each 1,000 (the same
  rows `send_message` writes: seq 2…N, alternating senders, counters set as it sets them). Then
  the whole thread is read newest first, `--page` (50) messages a page, following `endCursor`:
  graphql  POST /graphql `node(id:) { ... on Thread { messages(first:, after:) } }` with the
           buyer's token (authentication, cost, the cursor decoded, the page read, the JSON);
  bare     GET /page?before=<seq>: `conversations.service.messages_of_thread` in a session and
           the same fields as JSON; no GraphQL, no token, no cursor signature.
  Both in this process over `httpx.ASGITransport`, the sides alternating pass by pass;
  p50/p95/p99 per page and the ratio; SQL statements per page, counted on the engine, must
  not depend on the page's position or size.
(b) Fan-out. Two API processes (`c2c-api serve`, no in-process worker; WebSocket compression
  off, the default, unless `--compression`) and one `c2c-api worker`, on this database and
  Redis, as in production. `--subscribers` (1,000) graphql-transport-ws
  connections, half on each API process, each with one `messageReceived` subscription of the
  seller (one member on many devices is what makes one message reach 1,000 subscribers; the
  path is the same for 1,000 members, except that identical subscriptions of one caller share
  an execution per process: graphql/shared_streams.py; `--distinct` gives each subscription a
  document of its own, so none share). The buyer then sends `--sends` (20) messages through
  API process A, one at a time, each once every subscriber got the previous one.
  Latency of a delivery, on this process's clock (the same machine's):
    commit -> subscriber     the target: from the commit, seen as the `outbox.wake` the API
                             process publishes right after it (a plain Redis subscriber in a
                             process of its own notes its arrival, one Redis hop after the
                             commit: `--watch`), to the
                             message's arrival at the subscriber's socket;
    createdAt -> subscriber  from the message's `createdAt` (stamped in its transaction, before
                             the commit): an upper bound;
    stages                   createdAt -> commit -> the relay's publish (seen on the member's
                             channel) -> subscriber.
  Path: commit, wake-up through Redis, the worker's relay publishes on `member:<id>`, each API
  process's Redis reader fans it out to its subscribers, each result is written to each socket.
  floor    the same message envelope published straight on the Redis channel (no commit,
           no outbox, no worker), timed from the publish: what delivery costs with nothing
           before the broker. Printed side by side, with the ratio.
  The measuring client holds the 1,000 connections in one process: its garbage collector is
  frozen once they are open (a full collection of that heap stalled whole sends by ~150 ms);
  the servers run as in production.
Results go to var/bench/runs/messaging-<time>.json (not committed); figures in
docs/performance.md ("Issue 10: conversations").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry import relay

from bench.purchases import (
    ROOT,
    RUNS_DIR,
    SECRET,
    Seeder,
    StatementCounter,
    admin_url,
    bench_settings,
    create_database,
    drop_database,
)
from bench.run import machine
from c2c_api import migrations
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.registry import import_models

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SCOPES = ["account:read", "messages:write"]
PROTOCOL = "graphql-transport-ws"

SEND = (
    "mutation Send($l: ID, $t: ID, $x: String!) { sendMessage(listingId: $l, threadId: $t,"
    " text: $x) { __typename ... on SendMessageSuccess { sentMessage { id seq createdAt } } } }"
)
PAGE = (
    "query Page($t: ID!, $n: Int!, $a: String) { node(id: $t) { ... on Thread {"
    " messages(first: $n, after: $a) { edges { node { id seq kind text createdAt fromViewer"
    " warnings { flag } } } pageInfo { endCursor hasNextPage } } } } }"
)
WATCH = "subscription { messageReceived { id seq createdAt } }"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def redis_url() -> str:
    return os.environ.get("C2C_BENCH_REDIS_URL") or DEFAULT_REDIS_URL


# --- seed --------------------------------------------------------------------------------------


class Scene:
    """A seller, a buyer (each with a token), the seller's listing and their thread."""

    seller: uuid.UUID
    seller_token: str
    buyer: uuid.UUID
    buyer_token: str
    listing: uuid.UUID
    thread_gid: str
    thread: uuid.UUID


async def seed(db: Database, app: Starlette, messages: int) -> Scene:
    from c2c_api.conversations.models import Message, MessageKind, Thread, ThreadParticipant

    seeder = Seeder(db)
    await seeder.setup()
    (seller, buyer) = await seeder.buyers(2, scopes=SCOPES)
    scene = Scene()
    scene.seller, scene.seller_token = seller.member_id, seller.token
    scene.buyer, scene.buyer_token = buyer.member_id, buyer.token
    [scene.listing] = await seeder.listings([seller.member_id], 1, quantity=1)
    async with client_of(app) as client:
        sent = await graphql(
            client,
            buyer.token,
            SEND,
            {"l": relay.to_base64("SaleListing", scene.listing), "x": "Hello, still for sale?"},
        )
    payload = sent["data"]["sendMessage"]
    assert payload["__typename"] == "SendMessageSuccess", payload
    async with db.transaction() as session:
        thread = (
            await session.execute(sa.select(Thread).where(Thread.listing_id == scene.listing))
        ).scalar_one()
        scene.thread = thread.id
        scene.thread_gid = relay.to_base64("Thread", thread.id)
        first = (
            await session.execute(sa.select(Message).where(Message.thread_id == thread.id))
        ).scalar_one()
        start = first.created_at
        rows = []
        for seq in range(2, messages + 1):
            sender = scene.seller if seq % 2 == 0 else scene.buyer
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "thread_id": thread.id,
                    "seq": seq,
                    "kind": MessageKind.TEXT,
                    "sender_id": sender,
                    "body": f"Message {seq}: is the frame still in good shape? Come and see.",
                    "created_at": start + timedelta(milliseconds=seq),
                }
            )
        for i in range(0, len(rows), 1000):
            await session.execute(sa.insert(Message), rows[i : i + 1000])
        last = rows[-1]["created_at"] if rows else start
        await session.execute(
            sa.update(Thread)
            .where(Thread.id == thread.id)
            .values(last_seq=messages, last_message_at=last)
        )
        for member, other in ((scene.seller, scene.buyer), (scene.buyer, scene.seller)):
            unread = sum(1 for r in rows if r["sender_id"] == other) + (
                1 if member == scene.seller else 0
            )
            await session.execute(
                sa.update(ThreadParticipant)
                .where(
                    ThreadParticipant.thread_id == thread.id,
                    ThreadParticipant.member_id == member,
                )
                .values(unread_count=unread, last_message_at=last)
            )
    return scene


# --- HTTP helpers ------------------------------------------------------------------------------


def client_of(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")


async def graphql(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"GraphQL failed: {response.status_code} {body}")
    return body


# --- (a) paging --------------------------------------------------------------------------------


def bare_app(db: Database) -> Starlette:
    """GET /page?thread=&before=&n=: the service's page read and the same fields, as JSON."""
    from c2c_api.conversations import service

    async def page(request: Request) -> JSONResponse:
        thread = uuid.UUID(request.query_params["thread"])
        before = request.query_params.get("before")
        n = int(request.query_params["n"])
        async with db.sessionmaker() as session:
            result = await service.messages_of_thread(
                session, thread_id=thread, limit=n, before_seq=int(before) if before else None
            )
        return JSONResponse(
            {
                "items": [
                    {
                        "id": str(m.id),
                        "seq": m.seq,
                        "kind": m.kind.value,
                        "text": m.body,
                        "createdAt": m.created_at.isoformat(),
                        "fromViewer": False,
                        "warnings": m.warnings or [],
                    }
                    for m in result.items
                ],
                "hasNext": result.has_next,
            }
        )

    return Starlette(routes=[Route("/page", page)])


async def read_graphql(
    client: httpx.AsyncClient,
    scene: Scene,
    page: int,
    times: list[float],
    seen: list[str] | None = None,
) -> int:
    """Read the whole thread, newest first; `seen` collects the cursors followed."""
    after: str | None = None
    pages = 0
    while True:
        started = time.perf_counter()
        body = await graphql(
            client, scene.buyer_token, PAGE, {"t": scene.thread_gid, "n": page, "a": after}
        )
        times.append((time.perf_counter() - started) * 1000)
        pages += 1
        connection = body["data"]["node"]["messages"]
        if not connection["pageInfo"]["hasNextPage"]:
            return pages
        after = connection["pageInfo"]["endCursor"]
        if seen is not None:
            seen.append(after)


async def read_bare(client: httpx.AsyncClient, scene: Scene, page: int, times: list[float]) -> int:
    before: int | None = None
    pages = 0
    while True:
        started = time.perf_counter()
        params: dict[str, Any] = {"thread": str(scene.thread), "n": page}
        if before is not None:
            params["before"] = before
        response = await client.get("/page", params=params)
        body = response.json()
        times.append((time.perf_counter() - started) * 1000)
        pages += 1
        if not body["hasNext"]:
            return pages
        before = body["items"][-1]["seq"]


async def paging(
    db: Database, app: Starlette, scene: Scene, *, page: int, passes: int
) -> dict[str, Any]:
    bare = bare_app(db)
    times: dict[str, list[float]] = {"graphql": [], "bare": []}
    pages = {}
    async with client_of(app) as gq, client_of(bare) as raw:
        deep: list[str] = []  # warm-up (caches, pool, first-use imports); the cursors followed
        await read_graphql(gq, scene, page, [], deep)
        await read_bare(raw, scene, page, [])
        for _ in range(passes):
            pages["graphql"] = await read_graphql(gq, scene, page, times["graphql"])
            pages["bare"] = await read_bare(raw, scene, page, times["bare"])

        counter = StatementCounter(db)
        per_page: dict[str, float] = {}
        for size in (1, page):
            for where, after in (("first", None), ("deep", deep[-1] if deep else None)):

                async def one(size: int = size, after: str | None = after) -> None:
                    await graphql(
                        gq, scene.buyer_token, PAGE, {"t": scene.thread_gid, "n": size, "a": after}
                    )

                counted = await counter.count(one, 5)
                per_page[f"{where} page of {size}"] = counted["statements"]
    return {
        "pages_per_pass": pages,
        "graphql": summary(times["graphql"]),
        "bare": summary(times["bare"]),
        "statements_per_request": per_page,
    }


# --- (b) fan-out -------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def process(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(  # noqa: S603 (this interpreter, our own module)
        [sys.executable, *args], env=env, stdout=subprocess.DEVNULL
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def until_ready(port: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server on port {port} did not start")


def parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class Subscriber:
    """One graphql-transport-ws connection with one `messageReceived` subscription."""

    def __init__(self, url: str, token: str, query: str = WATCH) -> None:
        self.query = query
        self.url = url
        self.token = token
        self.arrivals: dict[str, float] = {}  # message id -> arrival (time.time())
        self.seen = asyncio.Event()
        self.expect: str | None = None
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        self.error: BaseException | None = None

    async def run(self) -> None:
        from websockets.asyncio.client import connect

        try:
            async with connect(
                self.url,
                subprotocols=[PROTOCOL],  # type: ignore[list-item]
                open_timeout=60,
                close_timeout=2,
                max_queue=None,
            ) as ws:
                await ws.send(
                    json.dumps(
                        {
                            "type": "connection_init",
                            "payload": {"Authorization": f"Bearer {self.token}"},
                        }
                    )
                )
                ack = json.loads(await ws.recv())
                assert ack["type"] == "connection_ack", ack
                await ws.send(
                    json.dumps({"id": "1", "type": "subscribe", "payload": {"query": self.query}})
                )
                self.ready.set()
                async for raw in ws:
                    now = time.time()
                    message = json.loads(raw)
                    if message.get("type") == "ping":
                        await ws.send(json.dumps({"type": "pong"}))
                        continue
                    if message.get("type") != "next":
                        raise RuntimeError(f"unexpected {message}")
                    node = message["payload"]["data"]["messageReceived"]
                    self.arrivals[node["id"]] = now
                    if node["id"] == self.expect:
                        self.seen.set()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self.error = exc
            self.ready.set()
            self.seen.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def channel_subscribers(channel: str) -> int:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url())
    try:
        [(_, count)] = await redis.pubsub_numsub(channel)
        return int(count)
    finally:
        await redis.aclose()


async def wait_all(subscribers: list[Subscriber], message_id: str, seconds: float) -> None:
    for s in subscribers:
        s.expect = message_id
        if message_id not in s.arrivals:
            s.seen.clear()
    pending = [s.seen.wait() for s in subscribers if message_id not in s.arrivals]
    await asyncio.wait_for(asyncio.gather(*pending), seconds)


async def fanout(
    url: str,
    scene: Scene,
    *,
    subscribers: int,
    sends: int,
    floor_sends: int,
    distinct: bool,
    compression: bool,
) -> dict[str, Any]:
    from redis.asyncio import Redis

    env = {
        **os.environ,
        "C2C_DATABASE_URL": url,
        "C2C_REDIS_URL": redis_url(),
        "C2C_WORKER_IN_PROCESS": "false",
        "C2C_SECRET_KEY": SECRET,
        "C2C_ENV": "development",
        "C2C_LOG_JSON": "false",
        "C2C_LOG_LEVEL": "WARNING",
        "C2C_WS_KEEPALIVE_INTERVAL": "600",
        "C2C_GRAPHQL_BUDGET_CAPACITY_MEMBER": "1000000000",
        "C2C_GRAPHQL_BUDGET_REFILL_MEMBER": "1000000000",
        "C2C_MESSAGES_PER_MINUTE": "10000",
        "C2C_MESSAGES_PER_DAY": "1000000",
        "C2C_WS_COMPRESSION": "true" if compression else "false",
    }
    ports = free_port(), free_port()
    servers = [
        [
            # The production command: uvicorn with the settings' WebSocket options
            # (C2C_WS_COMPRESSION: off unless --compression).
            *("-m", "c2c_api", "serve", "--host", "127.0.0.1", "--port", str(p)),
        ]
        for p in ports
    ]
    channel = f"member:{scene.seller}"
    subs: list[Subscriber] = []
    with (
        process(servers[0], env),
        process(servers[1], env),
        process(["-m", "c2c_api", "worker"], env),
    ):
        await asyncio.gather(*(until_ready(p) for p in ports))
        started = time.perf_counter()
        for i in range(subscribers):
            # --distinct: a document of its own each (an operation name), so no two share an
            # execution (graphql/shared_streams.py): what 1,000 different viewers would cost.
            query = f"subscription Watch{i} {WATCH.removeprefix('subscription ')}"
            sub = Subscriber(
                f"ws://127.0.0.1:{ports[i % 2]}/graphql",
                scene.seller_token,
                query if distinct else WATCH,
            )
            subs.append(sub)
            sub.start()
            if i % 50 == 49:  # connect in waves: the listen backlog and the handshakes
                await asyncio.gather(*(s.ready.wait() for s in subs))
        await asyncio.gather(*(s.ready.wait() for s in subs))
        failed = [s.error for s in subs if s.error is not None]
        if failed:
            raise RuntimeError(f"{len(failed)} subscribers failed, first: {failed[0]!r}")
        for _ in range(300):
            if await channel_subscribers(channel) == 2:
                break
            await asyncio.sleep(0.05)
        connect_seconds = time.perf_counter() - started
        # The measuring client holds 1,000 connections: a full collection of its heap stalls
        # every arrival by ~150 ms (seen as whole sends late, the floor's too). Its objects
        # are set aside from the collector once connected; the servers are left as they run.
        gc.collect()
        gc.freeze()
        # Each subscription is registered on its process's broker a moment after its
        # `subscribe` message: a first message, not counted, proves every one is listening.
        thread_gid = scene.thread_gid
        latencies: list[float] = []
        per_send: list[dict[str, float]] = []
        floor: list[float] = []
        published: dict[str, float] = {}  # messageId (uuid) -> the relay's publish, seen here
        stages: dict[str, list[float]] = {
            "created_to_commit": [],
            "commit_to_publish": [],
            "publish_to_delivery": [],
        }
        from_commit: list[float] = []
        async with AsyncExitStack() as stack:
            a = await stack.enter_async_context(
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}", timeout=30)
            )
            redis = Redis.from_url(redis_url())
            stack.push_async_callback(redis.aclose)
            wakes: list[float] = []
            watcher = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "bench.messaging", "--watch", channel),
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
            )
            stack.push_async_callback(stop_process, watcher)
            watching = asyncio.Event()
            reader = asyncio.get_running_loop().create_task(
                read_watcher(watcher, watching, published, wakes)
            )
            stack.push_async_callback(stop_task, reader)
            await asyncio.wait_for(watching.wait(), 30)
            for n in range(sends + 1):
                requested = time.time()
                body = await graphql(
                    a, scene.buyer_token, SEND, {"t": thread_gid, "x": f"Fan-out message {n}"}
                )
                message = body["data"]["sendMessage"]["sentMessage"]
                await wait_all(subs, message["id"], 60)
                if n == 0:
                    continue  # the first proves every subscription listens; not counted
                created = parse_time(message["createdAt"])
                mine = [(s.arrivals[message["id"]] - created) * 1000 for s in subs]
                # The commit: the API process publishes an `outbox.wake` right after it (the
                # only commit writing events then); seen here one Redis hop later.
                committed = next((w for w in wakes if w >= requested), None)
                relayed = published.get(str(uuid.UUID(relay.from_base64(message["id"])[1])))
                if committed is None or relayed is None:
                    raise RuntimeError("the wake-up or the relay's publish was not seen")
                stages["created_to_commit"].append((committed - created) * 1000)
                stages["commit_to_publish"].append((relayed - committed) * 1000)
                stages["publish_to_delivery"].extend(
                    (s.arrivals[message["id"]] - relayed) * 1000 for s in subs
                )
                from_commit.extend((s.arrivals[message["id"]] - committed) * 1000 for s in subs)
                latencies.extend(mine)
                per_send.append({"p50": percentile(mine, 0.5), "max": max(mine)})
            # The floor: the relay's envelope for the last message, published straight to Redis.
            event = {
                "topic": "message.sent",
                "eventId": str(uuid.uuid4()),
                "payload": await last_payload(url, message["id"]),
            }
            for _ in range(floor_sends):
                for s in subs:
                    s.arrivals.pop(message["id"], None)
                published = time.time()
                await redis.publish(channel, json.dumps(event, separators=(",", ":")))
                await wait_all(subs, message["id"], 60)
                floor.extend((s.arrivals[message["id"]] - published) * 1000 for s in subs)
        for s in subs:
            await s.stop()
    return {
        "subscribers": subscribers,
        "distinct": distinct,
        "compression": compression,
        "connect_seconds": connect_seconds,
        "deliveries": summary(latencies),
        "per_send": per_send,
        "floor": summary(floor),
        "from_commit": summary(from_commit),
        "stages": {name: summary(values) for name, values in stages.items()},
    }


async def watch_channel(channel: str) -> None:
    """`python -m bench.messaging --watch CHANNEL`: a plain Redis subscriber in a process of
    its own (the client's process is busy reading 1,000 sockets when the relay publishes),
    printing `ready`, then `wake <time>` for each `outbox.wake` (an API process publishes one
    right after each commit that wrote events) and `sent <messageId> <time>` when the worker's
    relay publishes a `message.sent` on `channel`. They split a delivery into stages."""
    from redis.asyncio import Redis

    from c2c_api.events.wakeup import WAKE_CHANNEL

    redis = Redis.from_url(redis_url())
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe(channel, WAKE_CHANNEL)
        print("ready", flush=True)
        while True:
            raw = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if raw is None:
                continue
            now = time.time()
            if raw["channel"] in (WAKE_CHANNEL, WAKE_CHANNEL.encode()):
                print(f"wake {now}", flush=True)
                continue
            event = json.loads(raw["data"])
            if event.get("topic") == "message.sent":
                print(f"sent {event['payload']['messageId']} {now}", flush=True)
    finally:
        await pubsub.aclose()
        await redis.aclose()


async def read_watcher(
    process: asyncio.subprocess.Process,
    ready: asyncio.Event,
    published: dict[str, float],
    wakes: list[float],
) -> None:
    assert process.stdout is not None
    async for raw in process.stdout:
        words = raw.decode().split()
        if words == ["ready"]:
            ready.set()
        elif len(words) == 2 and words[0] == "wake":
            wakes.append(float(words[1]))
        elif len(words) == 3 and words[0] == "sent":
            published.setdefault(words[1], float(words[2]))


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        await process.wait()


async def stop_task(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def last_payload(url: str, message_id: str) -> dict[str, Any]:
    """The payload the relay published for `message_id`'s `message.sent` event (outbox row)."""
    engine = sa.create_engine(
        sa.make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT payload FROM outbox_events WHERE topic = 'message.sent'"
                    " AND payload->>'messageId' = :m LIMIT 1"
                ),
                {"m": str(uuid.UUID(relay.from_base64(message_id)[1]))},
            ).one()
            payload: dict[str, Any] = row[0]
            return payload
    finally:
        engine.dispose()


# --- run ---------------------------------------------------------------------------------------


async def bench(args: argparse.Namespace, url: str) -> dict[str, Any]:
    from c2c_api.app import create_app

    settings: Settings = bench_settings(url).model_copy(
        update={"messages_per_minute": 10_000, "messages_per_day": 1_000_000}
    )
    db = Database(settings)
    app = create_app(settings, db=db)
    out: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        scene = await seed(db, app, args.messages)
        out["seed_seconds"] = time.perf_counter() - started
        print(f"seeded a thread of {args.messages} messages in {out['seed_seconds']:.1f} s")
        if not args.skip_paging:
            result = await paging(db, app, scene, page=args.page, passes=args.passes)
            out["paging"] = result
            g, b = result["graphql"], result["bare"]
            print(
                f"\n(a) paging newest first, {args.page} a page, "
                f"{result['pages_per_pass']['graphql']} pages a pass, {args.passes} passes\n"
                f"| side | pages | p50 ms | p95 ms | p99 ms | max ms |\n|---|--:|--:|--:|--:|--:|\n"
                f"| GraphQL | {g['count']} | {g['p50']:.2f} | {g['p95']:.2f} | {g['p99']:.2f} "
                f"| {g['max']:.2f} |\n"
                f"| bare | {b['count']} | {b['p50']:.2f} | {b['p95']:.2f} | {b['p99']:.2f} "
                f"| {b['max']:.2f} |\n"
                f"p95 GraphQL / bare: x{g['p95'] / b['p95']:.2f}; statements per request: "
                + ", ".join(f"{k} {v:g}" for k, v in result["statements_per_request"].items()),
                flush=True,
            )
    finally:
        await db.dispose()
    if not args.skip_fanout:
        result = await fanout(
            url,
            scene,
            subscribers=args.subscribers,
            sends=args.sends,
            floor_sends=args.floor_sends,
            distinct=args.distinct,
            compression=args.compression,
        )
        out["fanout"] = result
        rows = {
            "commit -> subscriber (the target)": result["from_commit"],
            "createdAt -> subscriber (upper bound)": result["deliveries"],
            "floor: Redis publish -> subscriber": result["floor"],
            "stage: createdAt -> commit": result["stages"]["created_to_commit"],
            "stage: commit -> relay's publish": result["stages"]["commit_to_publish"],
            "stage: relay's publish -> subscriber": result["stages"]["publish_to_delivery"],
        }
        print(
            f"\n(b) fan-out: {args.subscribers} subscribers on 2 API processes (connected in "
            f"{result['connect_seconds']:.1f} s), {args.sends} messages, "
            + ("each subscription its own execution" if args.distinct else "shared execution")
            + (", compressed frames" if args.compression else "")
            + "\n"
            "| path | samples | p50 ms | p95 ms | p99 ms | max ms |\n|---|--:|--:|--:|--:|--:|\n"
            + "\n".join(
                f"| {name} | {v['count']} | {v['p50']:.1f} | {v['p95']:.1f} | {v['p99']:.1f} "
                f"| {v['max']:.1f} |"
                for name, v in rows.items()
            )
            + f"\np95 commit -> subscriber / floor: "
            f"x{result['from_commit']['p95'] / result['floor']['p95']:.2f}",
            flush=True,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000, help="messages in the thread")
    parser.add_argument("--page", type=int, default=50, help="messages a page")
    parser.add_argument("--passes", type=int, default=3, help="full reads of the thread a side")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--sends", type=int, default=20, help="messages fanned out, timed")
    parser.add_argument("--floor-sends", type=int, default=10)
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="a different document per subscriber: no shared execution",
    )
    parser.add_argument(
        "--compression",
        action="store_true",
        help="the servers accept permessage-deflate (C2C_WS_COMPRESSION=true)",
    )
    parser.add_argument("--skip-paging", action="store_true")
    parser.add_argument("--watch", metavar="CHANNEL", help=argparse.SUPPRESS)
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--json", help="results file (default var/bench/runs/messaging-*.json)")
    args = parser.parse_args(argv)
    if args.watch:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(watch_channel(args.watch))
        return 0

    import_models()
    url, name = create_database()
    print(f"database {name} on {admin_url().render_as_string(hide_password=True)}", flush=True)
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        migrations.upgrade(url)
        out = asyncio.run(bench(args, url))
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            drop_database(name)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (the checkout's own git)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    out.update(
        commit=commit,
        started=started,
        parameters=vars(args),
        machine=machine(),
        load_before=load_before,
        load_after=os.getloadavg(),
    )
    print(f"load average before {load_before[0]:.1f}, after {out['load_after'][0]:.1f}")
    path = Path(args.json) if args.json else RUNS_DIR / f"messaging-{started}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
