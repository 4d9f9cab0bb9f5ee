"""Pub/sub between the outbox relay and subscribers (GraphQL subscriptions).

    Broker             the protocol: publish(channel, message), subscribe(channel), close()
      InProcessBroker  one process (the embedded default): asyncio queues
      RedisBroker      several processes: Redis pub/sub (`C2C_REDIS_URL`)
    broker_from_settings(settings)

Messages are JSON objects. Only the outbox relay publishes (after commit), so a subscriber never
sees a change that was rolled back. Delivery is best effort: a subscriber that is not connected
when a message is published does not get it, and a slow subscriber's oldest messages are
dropped past `max_queue` (its iterator sees the newest ones).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol

from c2c_api.config import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

Message = dict[str, Any]


class Broker(Protocol):
    """Publish JSON messages to channels; subscribe to a channel's messages."""

    async def publish(self, channel: str, message: Message) -> None: ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[Message]]:
        """An async context manager yielding the channel's messages; leaving it unsubscribes."""
        ...

    async def close(self) -> None: ...


class InProcessBroker:
    """Channels in this process's memory (the embedded default: one API process)."""

    def __init__(self, *, max_queue: int = 1000) -> None:
        self.max_queue = max_queue
        self._subscribers: dict[str, set[asyncio.Queue[Message]]] = {}

    def subscriber_count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    async def publish(self, channel: str, message: Message) -> None:
        encoded = json.dumps(message)  # what Redis would carry: plain JSON, a copy for each
        for queue in list(self._subscribers.get(channel, ())):
            if queue.full():
                queue.get_nowait()  # drop the oldest for a subscriber that does not keep up
            queue.put_nowait(json.loads(encoded))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Message]]:
        queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=self.max_queue)
        self._subscribers.setdefault(channel, set()).add(queue)

        async def messages() -> AsyncIterator[Message]:
            while True:
                yield await queue.get()

        try:
            yield messages()
        finally:
            subscribers = self._subscribers.get(channel)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[channel]

    async def close(self) -> None:
        self._subscribers.clear()


class RedisBroker:
    """Redis pub/sub (redis-py asyncio): every API process sees what any worker publishes.

    One connection publishes; each subscription holds its own pub/sub connection, released
    (UNSUBSCRIBE, then closed) when the subscription's context exits, however it exits.
    """

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self.url = url
        self._redis: Redis = Redis.from_url(url)

    @property
    def client(self) -> Redis:
        return self._redis

    async def publish(self, channel: str, message: Message) -> None:
        await self._redis.publish(channel, json.dumps(message, separators=(",", ":")))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Message]]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(channel)

            async def messages() -> AsyncIterator[Message]:
                async for raw in pubsub.listen():
                    if raw.get("type") != "message":
                        continue
                    try:
                        data = json.loads(raw["data"])
                    except (TypeError, ValueError):
                        log.warning("ignored a malformed message on %s", channel)
                        continue
                    if isinstance(data, dict):
                        yield data

            yield messages()
        finally:
            # Shielded: a cancelled subscriber (a client gone) still releases its subscription.
            with contextlib.suppress(Exception):
                await asyncio.shield(_release(pubsub, channel))

    async def close(self) -> None:
        await self._redis.aclose()


async def _release(pubsub: Any, channel: str) -> None:
    try:
        await pubsub.unsubscribe(channel)
    finally:
        await pubsub.aclose()


def broker_from_settings(settings: Settings) -> Broker:
    """Redis pub/sub when `C2C_REDIS_URL` is set, else in-process."""
    if settings.redis_url:
        return RedisBroker(settings.redis_url)
    return InProcessBroker()
