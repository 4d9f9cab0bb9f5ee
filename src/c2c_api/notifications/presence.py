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


# Both on the Redis server's clock (TIME), so API processes and workers on hosts whose clocks
# drift apart agree on what has expired.
_CONNECT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
"""
_IS_CONNECTED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
"""


class RedisPresence:
    """One sorted set per member, `c2c:presence:<member>`: each connection scored by when it
    expires (the Redis server's clock, in ms). Whether a member is connected is one ZCOUNT of
    the unexpired ones, whether they hold one connection or a thousand; expired entries are
    pruned at each heartbeat, and the set itself expires a TTL after the last one."""

    def __init__(self, url: str, *, prefix: str = KEY_PREFIX) -> None:
        from redis.asyncio import Redis

        self._redis: Redis = Redis.from_url(url)
        self.prefix = prefix
        self._connect = self._redis.register_script(_CONNECT)
        self._is_connected = self._redis.register_script(_IS_CONNECTED)

    def _index(self, member_id: uuid.UUID) -> str:
        return f"{self.prefix}:{member_id}"

    async def connect(self, member_id: uuid.UUID, connection_id: str, *, ttl: float) -> None:
        millis = max(1, int(ttl * 1000))
        await self._connect(keys=[self._index(member_id)], args=[connection_id, millis])

    async def refresh(self, member_id: uuid.UUID, connection_id: str, *, ttl: float) -> None:
        await self.connect(member_id, connection_id, ttl=ttl)

    async def disconnect(self, member_id: uuid.UUID, connection_id: str) -> None:
        await self._redis.zrem(self._index(member_id), connection_id)

    async def is_connected(self, member_id: uuid.UUID) -> bool:
        return int(await self._is_connected(keys=[self._index(member_id)])) > 0

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
