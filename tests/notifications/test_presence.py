"""Presence: in-process and Redis (against a real Redis: C2C_TEST_REDIS_URL); a member's
graphql-transport-ws connection counts them as connected until it closes; an abrupt
disconnect (no close) expires with the TTL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from auth_factories import create_member_with_token
from c2c_api.app import create_app
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.notifications.presence import (
    InProcessPresence,
    Presence,
    RedisPresence,
    hold,
    presence_from_settings,
)
from subscriptions.ws_support import init, serving, ws_client

REDIS_ENV = "C2C_TEST_REDIS_URL"


def redis_url() -> str:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(
            f"Redis presence tests skipped: set {REDIS_ENV} (e.g. redis://127.0.0.1:6379/0)"
        )
    return url


@pytest.fixture(params=["in-process", "redis"])
async def presence(request: pytest.FixtureRequest) -> AsyncIterator[Presence]:
    made: Presence
    if request.param == "in-process":
        made = InProcessPresence()
    else:
        made = RedisPresence(redis_url(), prefix=f"test:presence:{uuid.uuid4().hex}")
    yield made
    await made.close()


async def eventually(check: object, expected: bool, *, within: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await check()  # type: ignore[operator]
        if value == expected:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still {value} after {within}s")
        await asyncio.sleep(0.05)


class TestPresence:
    async def test_connect_and_close(self, presence: Presence) -> None:
        bob, alice = uuid.uuid4(), uuid.uuid4()
        assert not await presence.is_connected(bob)
        await presence.connect(bob, "c1", ttl=30)
        assert await presence.is_connected(bob)
        assert not await presence.is_connected(alice)
        await presence.disconnect(bob, "c1")
        assert not await presence.is_connected(bob)

    async def test_connected_while_any_connection_lives(self, presence: Presence) -> None:
        bob = uuid.uuid4()
        await presence.connect(bob, "phone", ttl=30)
        await presence.connect(bob, "laptop", ttl=30)
        await presence.disconnect(bob, "phone")
        assert await presence.is_connected(bob)
        await presence.disconnect(bob, "laptop")
        assert not await presence.is_connected(bob)

    async def test_expired_connections_do_not_count_beside_live_ones(
        self, presence: Presence
    ) -> None:
        """A member with many connections, most left behind by a process that died: only the
        live one counts, and once it closes the member is not connected."""
        bob = uuid.uuid4()
        for n in range(200):
            await presence.connect(bob, f"dead-{n}", ttl=0.2)
        await presence.connect(bob, "live", ttl=30)
        await asyncio.sleep(0.4)
        assert await presence.is_connected(bob)
        await presence.disconnect(bob, "live")
        assert not await presence.is_connected(bob)

    async def test_an_abrupt_disconnect_expires_with_the_ttl(self, presence: Presence) -> None:
        bob = uuid.uuid4()
        await presence.connect(bob, "gone", ttl=0.3)  # never closed: the process died
        assert await presence.is_connected(bob)
        await asyncio.sleep(0.5)
        assert not await presence.is_connected(bob)

    async def test_a_heartbeat_keeps_the_connection_alive(self, presence: Presence) -> None:
        bob = uuid.uuid4()
        task = asyncio.create_task(hold(presence, bob, ttl=0.3))
        try:
            await eventually(lambda: presence.is_connected(bob), True)
            await asyncio.sleep(0.8)  # well past one TTL: refreshed every 0.1 s
            assert await presence.is_connected(bob)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert not await presence.is_connected(bob)  # removed at once, not by expiry


class TestAcrossProcesses:
    async def test_a_worker_sees_the_api_processes_connections(self) -> None:
        url = redis_url()
        prefix = f"test:presence:{uuid.uuid4().hex}"
        api_one, api_two, worker = (RedisPresence(url, prefix=prefix) for _ in range(3))
        bob = uuid.uuid4()
        try:
            await api_one.connect(bob, "a", ttl=30)
            await api_two.connect(bob, "b", ttl=30)
            assert await worker.is_connected(bob)
            await api_one.disconnect(bob, "a")
            assert await worker.is_connected(bob)
            await api_two.disconnect(bob, "b")
            assert not await worker.is_connected(bob)
        finally:
            for p in (api_one, api_two, worker):
                await p.close()

    def test_chosen_from_the_settings(self, settings: Settings) -> None:
        assert isinstance(presence_from_settings(settings), InProcessPresence)
        configured = settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"})
        assert isinstance(presence_from_settings(configured), RedisPresence)


@pytest.mark.parametrize("backend", ["in-process", "redis"])
class TestSubscriptionConnections:
    async def test_a_members_connection_counts_until_it_closes(
        self, db: Database, settings: Settings, backend: str
    ) -> None:
        update: dict[str, object] = {"worker_in_process": False}
        if backend == "redis":
            update["redis_url"] = redis_url()
        app = create_app(settings.model_copy(update=update), db=db)
        presence: Presence = app.state.presence
        # What a separate worker process sees (Redis), or the in-process worker's registry.
        seen_by_worker = RedisPresence(redis_url()) if backend == "redis" else presence
        bob, token = await create_member_with_token(db, scopes=["account:read"])
        try:
            async with serving(app) as url:
                async with ws_client(url) as ws:
                    assert (await init(ws, token))["type"] == "connection_ack"
                    await eventually(lambda: seen_by_worker.is_connected(bob.id), True)
                await eventually(lambda: seen_by_worker.is_connected(bob.id), False)
        finally:
            if seen_by_worker is not presence:
                await seen_by_worker.close()
            await presence.close()
            await app.state.broker.close()

    async def test_an_anonymous_connection_counts_nobody(
        self, db: Database, settings: Settings, backend: str
    ) -> None:
        if backend == "redis":
            pytest.skip("the same code path: nothing is registered")
        app = create_app(settings.model_copy(update={"worker_in_process": False}), db=db)
        presence = app.state.presence
        assert isinstance(presence, InProcessPresence)
        async with serving(app) as url, ws_client(url) as ws:
            assert (await init(ws))["type"] == "connection_ack"
            await asyncio.sleep(0.1)
            assert presence._connections == {}
