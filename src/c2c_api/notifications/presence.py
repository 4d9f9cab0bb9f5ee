"""Presence: whether a member holds a live subscription connection (graphql-transport-ws).

    Presence            the protocol: connect, refresh, disconnect, is_connected, close
      InProcessPresence   one process (the embedded default: API and worker share it)
      RedisPresence       several API processes and separate workers (`C2C_REDIS_URL`)
    presence_from_settings(settings)
    hold(presence, member_id, ttl=...)   what a connection runs while it lives

Each connection is one entry with a time to live (`C2C_PRESENCE_TTL_SECONDS`), refreshed by a
heartbeat every third of it while the connection lives and removed when it closes, however it
closes (its task is cancelled). A process that dies without closing leaves entries that expire
by themselves within the TTL: until then the member still counts as connected, so at worst one
notification e-mail is skipped for a member who just went away (docs/notifications.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import TYPE_CHECKING, Protocol

from c2c_api.config import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

KEY_PREFIX = "c2c:presence"


class Presence(Protocol):
    """Connections of members, each alive for `ttl` seconds unless refreshed."""

    async def connect(self, member_id: uuid.UUID, connection_id: str, *, ttl: float) -> None: ...

    async def refresh(self, member_id: uuid.UUID, connection_id: str, *, ttl: float) -> None: ...

    async def disconnect(self, member_id: uuid.UUID, connection_id: str) -> None: ...

    async def is_connected(self, member_id: uuid.UUID) -> bool: ...

    async def close(self) -> None: ...


class InProcessPresence:
    """A registry in this process's memory (the worker runs in the same process)."""

    def __init__(self) -> None:
        self._connections: dict[uuid.UUID, dict[str, float]] = {}

    async def connect(self, member_id: uuid.UUID, connection_id: str, *, ttl: float) -> None:
        self._connections.setdefault(member_id, {})[connection_id] = time.monotonic() + ttl

    async def refresh(self, member_id: uuid.UUID, connection_id: str, *, ttl: float) -> None:
        await self.connect(member_id, connection_id, ttl=ttl)

    async def disconnect(self, member_id: uuid.UUID, connection_id: str) -> None:
        connections = self._connections.get(member_id)
        if connections is not None:
            connections.pop(connection_id, None)
            if not connections:
                del self._connections[member_id]

    async def is_connected(self, member_id: uuid.UUID) -> bool:
        connections = self._connections.get(member_id)
        if not connections:
            return False
        now = time.monotonic()
        for connection_id, expires in list(connections.items()):
            if expires <= now:
                del connections[connection_id]
        if not connections:
            del self._connections[member_id]
            return False
        return True

    async def close(self) -> None:
        self._connections.clear()


class RedisPresence:
    """One key per connection, `c2c:presence:<member>:<connection>`, with a TTL; the member's
    set `c2c:presence:<member>` names their connections (pruned of expired ones on reads)."""

    def __init__(self, url: str, *, prefix: str = KEY_PREFIX) -> None:
        from redis.asyncio import Redis

        self._redis: Redis = Redis.from_url(url)
        self.prefix = prefix

    def _index(self, member_id: uuid.UUID) -> str:
        return f"{self.prefix}:{member_id}"

    def _key(self, member_id: uuid.UUID, connection_id: str) -> str:
        return f"{self.prefix}:{member_id}:{connection_id}"

    async def connect(self, member_id: uuid.UUID, connection_id: str, *, ttl: float) -> None:
        millis = max(1, int(ttl * 1000))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(member_id, connection_id), b"1", px=millis)
            pipe.sadd(self._index(member_id), connection_id)
            # The index outlives no connection it names (each heartbeat extends it).
            pipe.pexpire(self._index(member_id), millis)
            await pipe.execute()

    async def refresh(self, member_id: uuid.UUID, connection_id: str, *, ttl: float) -> None:
        await self.connect(member_id, connection_id, ttl=ttl)

    async def disconnect(self, member_id: uuid.UUID, connection_id: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(member_id, connection_id))
            pipe.srem(self._index(member_id), connection_id)
            await pipe.execute()

    async def is_connected(self, member_id: uuid.UUID) -> bool:
        members = await self._redis.smembers(self._index(member_id))
        if not members:
            return False
        ids = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)
        async with self._redis.pipeline(transaction=False) as pipe:
            for connection_id in ids:
                pipe.exists(self._key(member_id, connection_id))
            alive = await pipe.execute()
        dead = [c for c, live in zip(ids, alive, strict=True) if not live]
        if dead:
            await self._redis.srem(self._index(member_id), *dead)
        return len(dead) < len(ids)

    async def close(self) -> None:
        await self._redis.aclose()


def presence_from_settings(settings: Settings) -> Presence:
    """Redis when `C2C_REDIS_URL` is set (as the broker), else in-process."""
    if settings.redis_url:
        return RedisPresence(settings.redis_url)
    return InProcessPresence()


async def hold(presence: Presence, member_id: uuid.UUID, *, ttl: float) -> None:
    """Count the member as connected until cancelled (the connection closed): registers one
    connection, refreshes it every ttl/3 seconds, removes it when cancelled. A store that fails
    is logged and retried at the next beat; it never ends the connection."""
    connection_id = uuid.uuid4().hex
    try:
        while True:
            try:
                await presence.refresh(member_id, connection_id, ttl=ttl)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("presence heartbeat failed", exc_info=True)
            await asyncio.sleep(ttl / 3)
    finally:
        # Shielded: the cancelled task still removes its entry before it ends.
        with contextlib.suppress(Exception):
            await asyncio.shield(presence.disconnect(member_id, connection_id))
