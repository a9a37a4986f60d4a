"""StateStore: the small shared state the service needs, in one process or across many.

One interface, two implementations: :class:`MemoryStateStore` (embedded default, one process) and
:class:`RedisStateStore` (several instances behind a load balancer). Both pass the same contract tests
(``tests/test_state.py``). Uses: callback dedupe (``claim``), single-holder locks (token refresh, kf
pullers, the scheduler lease), counters, key/value with TTL (token cache, kf cursors) and sliding-window
rate limits that never let more than ``limit`` events into any ``window`` seconds.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

import redis.asyncio as aioredis

# Every key this service writes starts with one of these prefixes (one place to see them all).
PREFIX = "wecombot:"
DEDUPE = PREFIX + "dedupe:"
LOCK = PREFIX + "lock:"
TOKEN = PREFIX + "token:"
RATE = PREFIX + "rate:"
CURSOR = PREFIX + "cursor:"
LEASE = PREFIX + "lease:"
FIRE = PREFIX + "fire:"
FIRE_LAST = PREFIX + "fire-last:"


class LockTimeout(TimeoutError):
    """A lock could not be acquired within the wait limit."""


class StateStore(Protocol):
    async def claim(self, key: str, ttl: float) -> bool:
        """Set ``key`` if absent (for ``ttl`` seconds); True for the one caller that set it."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl: float | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Add to a counter; ``ttl`` is applied when the counter is created."""

    async def acquire(self, key: str, owner: str, ttl: float) -> bool:
        """Take or renew a lease held by ``owner``; False when someone else holds it."""

    async def release(self, key: str, owner: str) -> bool:
        """Give a lease back; only the owner can."""

    async def rate_limit(self, key: str, limit: int, window: float) -> float:
        """Record one event if allowed: 0.0 when recorded, else seconds until one would be."""

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


@asynccontextmanager
async def locked(
    store: StateStore, name: str, ttl: float = 30.0, wait: float = 30.0, poll: float = 0.02
) -> AsyncIterator[str]:
    """Hold the lock ``name`` across processes; waits up to ``wait`` seconds, then LockTimeout."""
    owner = secrets.token_hex(8)
    key = LOCK + name
    deadline = time.monotonic() + wait
    while not await store.acquire(key, owner, ttl):
        if time.monotonic() >= deadline:
            raise LockTimeout(f"lock {name!r} still held after {wait:.1f}s")
        await asyncio.sleep(poll)
    try:
        yield owner
    finally:
        await store.release(key, owner)


class MemoryStateStore:
    """In-process store: correct for exactly one process (the embedded default)."""

    def __init__(self, clock: callable = time.monotonic) -> None:  # type: ignore[valid-type]
        self._clock = clock
        self._values: dict[str, tuple[str, float | None]] = {}
        self._events: dict[str, deque[float]] = {}

    def _alive(self, key: str) -> str | None:
        item = self._values.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= self._clock():
            del self._values[key]
            return None
        return value

    def _expiry(self, ttl: float | None) -> float | None:
        return None if ttl is None else self._clock() + ttl

    async def claim(self, key: str, ttl: float) -> bool:
        if self._alive(key) is not None:
            return False
        self._values[key] = ("1", self._expiry(ttl))
        return True

    async def get(self, key: str) -> str | None:
        return self._alive(key)

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._values[key] = (value, self._expiry(ttl))

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)
        self._events.pop(key, None)

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        current = self._alive(key)
        if current is None:
            value, expires = amount, self._expiry(ttl)
        else:
            value, expires = int(current) + amount, self._values[key][1]
        self._values[key] = (str(value), expires)
        return value

    async def acquire(self, key: str, owner: str, ttl: float) -> bool:
        holder = self._alive(key)
        if holder is not None and holder != owner:
            return False
        self._values[key] = (owner, self._expiry(ttl))
        return True

    async def release(self, key: str, owner: str) -> bool:
        if self._alive(key) != owner:
            return False
        del self._values[key]
        return True

    async def rate_limit(self, key: str, limit: int, window: float) -> float:
        now = self._clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - window:
            events.popleft()
        if len(events) >= limit:
            return max(events[0] + window - now, 0.001)
        events.append(now)
        return 0.0

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._values.clear()
        self._events.clear()


# KEYS[1] lease key; ARGV owner, ttl ms. Take when free, renew when ours.
_ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# Sliding log in a sorted set. ARGV now_ms, window_ms, limit, member. Returns 0 or ms to wait.
_RATE = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(tonumber(oldest[2]) + window - now, 1)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""
_INCR = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
"""


def _ms(seconds: float) -> int:
    return max(int(seconds * 1000), 1)


class RedisStateStore:
    """Redis-backed store shared by every instance; atomic operations are Lua scripts."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._redis = client
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)
        self._rate = client.register_script(_RATE)
        self._incr = client.register_script(_INCR)

    @classmethod
    def from_url(cls, url: str) -> RedisStateStore:
        return cls(aioredis.from_url(url, decode_responses=True))

    async def claim(self, key: str, ttl: float) -> bool:
        return bool(await self._redis.set(key, "1", px=_ms(ttl), nx=True))

    async def get(self, key: str) -> str | None:
        return await self._redis.get(key)

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        await self._redis.set(key, value, px=None if ttl is None else _ms(ttl))

    async def delete(self, key: str) -> None:
        await self._redis.delete(key)

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        return int(await self._incr(keys=[key], args=[amount, 0 if ttl is None else _ms(ttl)]))

    async def acquire(self, key: str, owner: str, ttl: float) -> bool:
        return bool(await self._acquire(keys=[key], args=[owner, _ms(ttl)]))

    async def release(self, key: str, owner: str) -> bool:
        return bool(await self._release(keys=[key], args=[owner]))

    async def rate_limit(self, key: str, limit: int, window: float) -> float:
        now_ms = int(time.time() * 1000)
        wait_ms = await self._rate(
            keys=[key], args=[now_ms, _ms(window), limit, f"{now_ms}:{secrets.token_hex(6)}"]
        )
        return int(wait_ms) / 1000.0

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def close(self) -> None:
        await self._redis.aclose()


def create_state_store(redis_url: str | None) -> StateStore:
    """Redis when a URL is configured, else the in-process store."""
    return RedisStateStore.from_url(redis_url) if redis_url else MemoryStateStore()
