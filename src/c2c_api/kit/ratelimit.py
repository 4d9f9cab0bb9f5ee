"""Token buckets: a budget per key, refilled continuously, in-process or shared through Redis.

A bucket holds up to `capacity` tokens and gains `refill_per_second` tokens a second. Taking
`amount` tokens succeeds when the bucket holds that many; otherwise nothing is taken and the
answer says how long until it would succeed. Several API processes share their buckets through
Redis (one Lua script: read, refill, take, write, atomically, on Redis's clock).
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("c2c_api.ratelimit")


@dataclass(frozen=True, slots=True)
class Rate:
    """A bucket's size and how fast it fills."""

    capacity: int
    refill_per_second: float


@dataclass(frozen=True, slots=True)
class Take:
    """The outcome of one attempt: allowed or not, what is left, when to retry."""

    allowed: bool
    remaining: float
    retry_after: float = 0.0

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds to wait (at least 1 when refused), as in a Retry-After header."""
        return max(1, math.ceil(self.retry_after)) if not self.allowed else 0


class Buckets(Protocol):
    async def take(self, key: str, amount: int, rate: Rate) -> Take: ...

    async def close(self) -> None: ...


def _refill(tokens: float, elapsed: float, rate: Rate) -> float:
    return min(float(rate.capacity), tokens + max(0.0, elapsed) * rate.refill_per_second)


def _decide(tokens: float, amount: int, rate: Rate) -> tuple[float, Take]:
    if tokens >= amount:
        left = tokens - amount
        return left, Take(True, left)
    wait = (amount - tokens) / rate.refill_per_second if rate.refill_per_second > 0 else math.inf
    return tokens, Take(False, tokens, wait)


class LocalBuckets:
    """Buckets of this process (the least recently used dropped past `max_keys`)."""

    def __init__(
        self, *, max_keys: int = 100_000, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_keys = max_keys
        self._now = now

    async def take(self, key: str, amount: int, rate: Rate) -> Take:
        now = self._now()
        tokens, stamp = self._state.pop(key, (float(rate.capacity), now))
        tokens, outcome = _decide(_refill(tokens, now - stamp, rate), amount, rate)
        self._state[key] = (tokens, now)
        if len(self._state) > self._max_keys:
            self._state.popitem(last=False)  # a forgotten key starts full again
        return outcome

    async def close(self) -> None:
        self._state.clear()


# KEYS[1] the bucket; ARGV capacity, refill per second, amount. Redis's own clock (TIME), so
# processes with skewed clocks agree. Numbers go back as strings: Redis truncates Lua numbers.
TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1])
local stamp = tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = capacity
  stamp = now
end
local elapsed = now - stamp
if elapsed < 0 then elapsed = 0 end
tokens = math.min(capacity, tokens + elapsed * rate)
local allowed = 0
local wait = 0
if tokens >= amount then
  tokens = tokens - amount
  allowed = 1
elseif rate > 0 then
  wait = (amount - tokens) / rate
else
  wait = -1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
local ttl = 3600
if rate > 0 then ttl = math.ceil(capacity / rate) + 1 end
redis.call('EXPIRE', KEYS[1], ttl)
return {allowed, tostring(tokens), tostring(wait)}
"""


class RedisBuckets:
    """Buckets shared by every process using the same Redis (C2C_REDIS_URL).

    When Redis cannot be reached the request is allowed (and a warning logged): a budget
    protects the database, it must not take the API down with Redis.
    """

    def __init__(self, url: str, *, prefix: str = "c2c:budget:", timeout: float = 0.5) -> None:
        from redis.asyncio import Redis

        # A slow Redis must not slow every request down: past `timeout`, allowed unchecked.
        self._redis = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._script = self._redis.register_script(TAKE_SCRIPT)
        self._prefix = prefix

    async def take(self, key: str, amount: int, rate: Rate) -> Take:
        from redis.exceptions import RedisError

        try:
            allowed, tokens, wait = await self._script(
                keys=[self._prefix + key],
                args=[rate.capacity, rate.refill_per_second, amount],
            )
        except (RedisError, OSError) as exc:
            log.warning("query budget not checked, Redis unavailable: %s", exc)
            return Take(True, float(rate.capacity))
        seconds = float(wait)
        return Take(bool(int(allowed)), float(tokens), math.inf if seconds < 0 else seconds)

    async def close(self) -> None:
        await self._redis.aclose()


def buckets_for(redis_url: str | None) -> Buckets:
    """Redis-backed buckets when a URL is configured, this process's otherwise."""
    return RedisBuckets(redis_url) if redis_url else LocalBuckets()
