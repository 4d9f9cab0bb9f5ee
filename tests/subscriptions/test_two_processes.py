"""Two API processes and a worker on PostgreSQL and Redis: what is published through one process
reaches a subscriber connected to the other, through the outbox relay and Redis pub/sub."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest
from ws_support import init, receive, subscribe, ws_client

from auth_factories import ALL_MEMBER_SCOPES, bearer, create_member_with_token
from c2c_api.authz import Actor, ActorKind
from c2c_api.categories.service import ensure_default_categories, invalidate_cache
from c2c_api.db import Database
from c2c_api.search.service import save_search
from listings.listings_support import CREATE, lifecycle, valid_input

REDIS_URL = os.environ.get("C2C_TEST_REDIS_URL")
MATCHED = "subscription { savedSearchMatched { listingId listingTitle savedSearchName } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def process(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
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
        for _ in range(300):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the server on port {port} did not start")


@pytest.fixture
async def cluster(db: Database) -> AsyncIterator[tuple[int, int]]:
    """Servers A and B (no in-process worker) and one `c2c-api worker`, on this test's database."""
    if db.settings.is_sqlite:
        pytest.skip("several processes share PostgreSQL (the embedded SQLite runs one process)")
    if not REDIS_URL:
        pytest.skip("Redis tests skipped: set C2C_TEST_REDIS_URL to run them")
    env = {
        **os.environ,
        "C2C_DATABASE_URL": db.settings.database_url,
        "C2C_REDIS_URL": REDIS_URL,
        "C2C_WORKER_IN_PROCESS": "false",
        # A poll far longer than the tests wait: what is delivered in time was woken by the
        # API process's commit through Redis (events/wakeup.py), not found by a poll.
        "C2C_WORKER_POLL_INTERVAL": "30",
        "C2C_LOG_JSON": "false",
    }
    ports = free_port(), free_port()
    servers = [
        ["-m", "uvicorn", "c2c_api.asgi:app", "--host", "127.0.0.1", "--port", str(port)]
        for port in ports
    ]
    with (
        process(servers[0], env),
        process(servers[1], env),
        process(["-m", "c2c_api", "worker"], env),
    ):
        await asyncio.gather(*(until_ready(p) for p in ports))
        yield ports


async def redis_subscribers(channel: str) -> int:
    from redis.asyncio import Redis

    assert REDIS_URL is not None
    redis = Redis.from_url(REDIS_URL)
    try:
        [(_, count)] = await redis.pubsub_numsub(channel)
        return int(count)
    finally:
        await redis.aclose()


async def test_published_through_a_heard_through_b(db: Database, cluster: tuple[int, int]) -> None:
    port_a, port_b = cluster
    invalidate_cache()
    await ensure_default_categories(db)
    watcher, watcher_token = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
    _, seller_token = await create_member_with_token(db, scopes=ALL_MEMBER_SCOPES)
    actor = Actor(kind=ActorKind.MEMBER, member_id=watcher.id, scopes=frozenset())
    async with db.transaction() as session:
        await save_search(
            session, actor, name="Bags", query="handbag", filter={"category": "handbags"}
        )

    async with ws_client(f"ws://127.0.0.1:{port_b}/graphql") as ws:
        assert (await init(ws, watcher_token))["type"] == "connection_ack"
        await subscribe(ws, MATCHED)
        for _ in range(100):
            if await redis_subscribers(f"member:{watcher.id}") == 1:
                break
            await asyncio.sleep(0.05)
        assert await redis_subscribers(f"member:{watcher.id}") == 1

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_a}") as a:
            data = {**valid_input("SALE"), "title": "Red leather handbag"}
            created = (
                await a.post(
                    "/graphql",
                    json={"query": CREATE, "variables": {"i": data}},
                    headers=bearer(seller_token),
                )
            ).json()["data"]["createListing"]
            assert created["__typename"] == "ListingSuccess", created
            published = (
                await a.post(
                    "/graphql",
                    json={
                        "query": lifecycle("publishListing"),
                        "variables": {"id": created["listing"]["id"]},
                    },
                    headers=bearer(seller_token),
                )
            ).json()["data"]["publishListing"]
            assert published["__typename"] == "ListingSuccess", published
            committed = time.monotonic()

        message = await receive(ws, timeout=20)
        # Woken at once (the publish's commit, then the match job's), not at the 30 s poll.
        assert time.monotonic() - committed < 5
        assert message["type"] == "next", message
        match = message["payload"]["data"]["savedSearchMatched"]
        assert match == {
            "listingId": created["listing"]["id"],
            "listingTitle": "Red leather handbag",
            "savedSearchName": "Bags",
        }
    # The subscriber left: its Redis subscription is released.
    for _ in range(100):
        if await redis_subscribers(f"member:{watcher.id}") == 0:
            break
        await asyncio.sleep(0.05)
    assert await redis_subscribers(f"member:{watcher.id}") == 0
