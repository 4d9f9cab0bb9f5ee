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

    def total_subscribers(self) -> int:
        """Subscribers of every channel, summed."""
        return sum(len(queues) for queues in self._subscribers.values())

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

    One connection publishes; one pub/sub connection per process carries every channel its
    subscribers listen to (SUBSCRIBE when a channel's first local subscriber arrives,
    UNSUBSCRIBE when its last one leaves, however it leaves), and a reader task fans messages
    out to the local subscribers' queues.
    """

    def __init__(self, url: str, *, max_queue: int = 1000) -> None:
        from redis.asyncio import Redis

        self.url = url
        self._redis: Redis = Redis.from_url(url)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._local = InProcessBroker(max_queue=max_queue)
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None

    @property
    def client(self) -> Redis:
        return self._redis

    def subscriber_count(self, channel: str) -> int:
        """Local subscribers of the channel (Redis sees one subscription per process)."""
        return self._local.subscriber_count(channel)

    async def publish(self, channel: str, message: Message) -> None:
        await self._redis.publish(channel, json.dumps(message, separators=(",", ":")))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Message]]:
        try:
            async with self._local.subscribe(channel) as messages:
                async with self._lock:
                    await self._pubsub.subscribe(channel)  # idempotent for a known channel
                    if self._reader is None or self._reader.done():
                        self._reader = asyncio.get_running_loop().create_task(
                            self._read(), name="c2c-redis-broker-reader"
                        )
                yield messages
        finally:
            # Also when the subscriber was cancelled (a client gone): its task runs this
            # cleanup before it ends, so nothing is left subscribed behind it.
            await self._release(channel)

    async def _release(self, channel: str) -> None:
        async with self._lock:
            if self._local.subscriber_count(channel) == 0:
                try:
                    await self._pubsub.unsubscribe(channel)
                except Exception:
                    log.warning("could not unsubscribe from %s", channel, exc_info=True)

    async def _read(self) -> None:
        from redis.exceptions import RedisError

        while True:
            try:
                raw = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, RuntimeError) as exc:
                log.warning("redis broker reader: %s; retrying", exc)
                await asyncio.sleep(1.0)
                continue
            if raw is None or raw.get("type") != "message":
                continue
            channel = raw["channel"]
            name = channel.decode() if isinstance(channel, bytes) else str(channel)
            try:
                data = json.loads(raw["data"])
            except (TypeError, ValueError):
                log.warning("ignored a malformed message on %s", name)
                continue
            if isinstance(data, dict):
                await self._local.publish(name, data)

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()
        await self._redis.aclose()
        await self._local.close()


def broker_from_settings(settings: Settings) -> Broker:
    """Redis pub/sub when `C2C_REDIS_URL` is set, else in-process."""
    if settings.redis_url:
        return RedisBroker(settings.redis_url)
    return InProcessBroker()
