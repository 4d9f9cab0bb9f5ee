"""The broker: in-process and Redis pub/sub (against a real Redis), and the outbox relay that
feeds it after commit only."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from c2c_api.broker import Broker, InProcessBroker, RedisBroker, broker_from_settings
from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.events.service import record_event
from factories import create_member
from worker_support import app_worker, drain

REDIS_ENV = "C2C_TEST_REDIS_URL"


def redis_url() -> str:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"Redis tests skipped: set {REDIS_ENV} to run them")
    return url


@pytest.fixture(params=["in-process", "redis"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    made: Broker = InProcessBroker() if request.param == "in-process" else RedisBroker(redis_url())
    yield made
    await made.close()


async def subscribers(broker: Broker, channel: str) -> int:
    """Local subscribers; for Redis also checks the server's own count (PUBSUB NUMSUB: one
    subscription per process, held while any local subscriber listens)."""
    if isinstance(broker, InProcessBroker):
        return broker.subscriber_count(channel)
    assert isinstance(broker, RedisBroker)
    [(_name, count)] = await broker.client.pubsub_numsub(channel)
    local = broker.subscriber_count(channel)
    assert int(count) == min(local, 1), (count, local)
    return local


def channel() -> str:
    return f"test:{uuid.uuid4().hex}"  # other runs share the Redis server


class TestBroker:
    async def test_a_subscriber_gets_its_channels_messages(self, broker: Broker) -> None:
        mine, other = channel(), channel()
        async with broker.subscribe(mine) as messages:
            await broker.publish(other, {"n": 0})
            await broker.publish(mine, {"n": 1, "text": "café"})
            got = await asyncio.wait_for(anext(messages), 5)
        assert got == {"n": 1, "text": "café"}
        assert await subscribers(broker, mine) == 0

    async def test_every_subscriber_gets_a_copy(self, broker: Broker) -> None:
        name = channel()
        async with broker.subscribe(name) as first, broker.subscribe(name) as second:
            assert await subscribers(broker, name) == 2
            await broker.publish(name, {"n": 1})
            assert await asyncio.wait_for(anext(first), 5) == {"n": 1}
            assert await asyncio.wait_for(anext(second), 5) == {"n": 1}
        assert await subscribers(broker, name) == 0

    async def test_abruptly_cancelled_subscribers_leave_nothing_behind(
        self, broker: Broker
    ) -> None:
        name = channel()
        ready = asyncio.Semaphore(0)

        async def listen() -> None:
            async with broker.subscribe(name) as messages:
                ready.release()
                async for _ in messages:
                    pass

        tasks = [asyncio.create_task(listen()) for _ in range(100)]
        for _ in tasks:
            await asyncio.wait_for(ready.acquire(), 10)
        assert await subscribers(broker, name) == 100
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert await subscribers(broker, name) == 0


class TestRedisAcrossProcesses:
    async def test_a_message_published_by_one_client_reaches_another(self) -> None:
        url = redis_url()
        worker_side, api_side = RedisBroker(url), RedisBroker(url)
        try:
            name = channel()
            async with api_side.subscribe(name) as messages:
                await worker_side.publish(name, {"topic": "listing.changed"})
                assert await asyncio.wait_for(anext(messages), 5) == {"topic": "listing.changed"}
        finally:
            await worker_side.close()
            await api_side.close()

    def test_chosen_by_settings(self, settings: Settings) -> None:
        assert isinstance(broker_from_settings(settings), InProcessBroker)
        configured = settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"})
        assert isinstance(broker_from_settings(configured), RedisBroker)


class TestRelay:
    async def test_only_committed_events_reach_the_broker(self, db: Database) -> None:
        broker = InProcessBroker()
        listing_id = uuid.uuid4()
        async with db.transaction() as session:
            member_id = (await create_member(session)).id
        async with (
            broker.subscribe(f"listing:{listing_id}") as listing_channel,
            broker.subscribe(f"member:{member_id}") as member_channel,
        ):
            with pytest.raises(RuntimeError):
                async with db.transaction() as session:
                    await record_event(
                        session,
                        topic="listing.changed",
                        payload={"listingId": str(listing_id), "status": "CLOSED"},
                    )
                    raise RuntimeError("rolled back")
            async with db.transaction() as session:
                await record_event(
                    session,
                    topic="listing.changed",
                    payload={"listingId": str(listing_id), "status": "PUBLISHED"},
                )
                await record_event(
                    session,
                    topic="saved_search.matched",
                    payload={"listingId": str(listing_id), "memberId": str(member_id)},
                    member_id=member_id,
                )
            await drain(app_worker(db, broker=broker))
            got = await asyncio.wait_for(anext(listing_channel), 5)
            assert (got["topic"], got["payload"]["status"]) == ("listing.changed", "PUBLISHED")
            # Nothing else came: the next message is a marker published now.
            await broker.publish(f"listing:{listing_id}", {"marker": True})
            assert await asyncio.wait_for(anext(listing_channel), 5) == {"marker": True}
            matched = await asyncio.wait_for(anext(member_channel), 5)
            assert matched["topic"] == "saved_search.matched"
            assert matched["payload"]["listingId"] == str(listing_id)
