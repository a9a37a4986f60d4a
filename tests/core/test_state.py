"""One contract, two stores: the in-process store and Redis must behave the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.state import LockTimeout, MemoryStateStore, RedisStateStore, StateStore, locked


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[StateStore]:
    if request.param == "memory":
        yield MemoryStateStore()
        return
    redis_store = RedisStateStore.from_url(request.getfixturevalue("redis_url"))
    await redis_store._redis.flushdb()
    yield redis_store
    await redis_store._redis.flushdb()
    await redis_store.close()


class TestStateStoreContract:
    async def test_claim_is_won_once(self, store: StateStore) -> None:
        results = await asyncio.gather(*(store.claim("wecombot:dedupe:k", 60) for _ in range(20)))
        assert results.count(True) == 1

    async def test_claim_expires(self, store: StateStore) -> None:
        assert await store.claim("wecombot:dedupe:short", 0.05)
        await asyncio.sleep(0.12)
        assert await store.claim("wecombot:dedupe:short", 0.05)

    async def test_get_set_delete_with_ttl(self, store: StateStore) -> None:
        await store.set("wecombot:cursor:a", "c1")
        assert await store.get("wecombot:cursor:a") == "c1"
        await store.set("wecombot:cursor:b", "c2", ttl=0.05)
        await asyncio.sleep(0.12)
        assert await store.get("wecombot:cursor:b") is None
        await store.delete("wecombot:cursor:a")
        assert await store.get("wecombot:cursor:a") is None

    async def test_incr_counts_and_keeps_first_ttl(self, store: StateStore) -> None:
        assert await store.incr("wecombot:n", ttl=10) == 1
        assert await store.incr("wecombot:n", 5, ttl=10) == 6

    async def test_lease_has_one_holder_and_only_owner_releases(self, store: StateStore) -> None:
        assert await store.acquire("wecombot:lease:x", "a", 5)
        assert not await store.acquire("wecombot:lease:x", "b", 5)
        assert await store.acquire("wecombot:lease:x", "a", 5)  # renew
        assert not await store.release("wecombot:lease:x", "b")
        assert await store.release("wecombot:lease:x", "a")
        assert await store.acquire("wecombot:lease:x", "b", 5)

    async def test_lease_expires(self, store: StateStore) -> None:
        assert await store.acquire("wecombot:lease:y", "a", 0.05)
        await asyncio.sleep(0.12)
        assert await store.acquire("wecombot:lease:y", "b", 5)

    async def test_locked_serialises_and_times_out(self, store: StateStore) -> None:
        order: list[str] = []

        async def worker(name: str) -> None:
            async with locked(store, "job", ttl=5, wait=5):
                order.append(f"{name}+")
                await asyncio.sleep(0.02)
                order.append(f"{name}-")

        await asyncio.gather(worker("a"), worker("b"))
        assert order in (["a+", "a-", "b+", "b-"], ["b+", "b-", "a+", "a-"])
        async with locked(store, "held", ttl=5):
            with pytest.raises(LockTimeout):
                async with locked(store, "held", ttl=5, wait=0.1):
                    pass

    async def test_rate_limit_never_exceeds_limit_in_window(self, store: StateStore) -> None:
        waits = [await store.rate_limit("wecombot:rate:member", 30, 0.5) for _ in range(40)]
        assert waits[:30] == [0.0] * 30
        assert all(0 < w <= 0.5 for w in waits[30:])
        await asyncio.sleep(0.55)
        assert await store.rate_limit("wecombot:rate:member", 30, 0.5) == 0.0

    async def test_ping(self, store: StateStore) -> None:
        assert await store.ping()
