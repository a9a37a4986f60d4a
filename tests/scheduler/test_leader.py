"""The leader lease: one holder at a time, renewal, expiry fail-over, loss on a refused renewal."""

from __future__ import annotations

import asyncio

import pytest

from bot.state import MemoryStateStore
from scheduler.leader import LeaderLease


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(store, owner: str, clock: Clock, events: list[str], ttl: float = 9.0) -> LeaderLease:
    async def gained() -> None:
        events.append(f"{owner}+")

    async def lost() -> None:
        events.append(f"{owner}-")

    return LeaderLease(store, "scheduler", owner, ttl, on_gain=gained, on_loss=lost, clock=clock)


async def test_one_holder_renewal_and_expiry_failover():
    clock, events = Clock(), []
    store = MemoryStateStore(clock=clock)
    a, b = make(store, "a", clock, events), make(store, "b", clock, events)

    assert await a.tick() is True
    assert await b.tick() is False
    assert a.is_leader and not b.is_leader

    for _ in range(5):  # a renews every ttl/3: b never gets in
        clock.now += a.interval
        assert await a.tick() is True
        assert await b.tick() is False

    clock.now += 9.5  # a stops renewing (died): the lease expires
    assert not a.is_leader  # a's own clock already says the lease may be gone
    assert await b.tick() is True
    assert await a.tick() is False  # a's renewal is refused: it loses leadership
    assert events == ["a+", "b+", "a-"]


async def test_stop_releases_so_another_takes_over_at_once():
    clock, events = Clock(), []
    store = MemoryStateStore(clock=clock)
    a, b = make(store, "a", clock, events), make(store, "b", clock, events)
    await a.tick()
    await a.stop()
    assert await b.tick() is True
    assert events == ["a+", "a-", "b+"]


async def test_a_failing_store_costs_leadership():
    clock, events = Clock(), []
    store = MemoryStateStore(clock=clock)
    a = make(store, "a", clock, events)
    await a.tick()

    async def broken(*_args: object) -> bool:
        raise ConnectionError("redis down")

    store.acquire = broken  # type: ignore[method-assign]
    assert await a.tick() is False
    assert events == ["a+", "a-"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="ttl"):
        LeaderLease(MemoryStateStore(), "s", "a", ttl=0)
    with pytest.raises(ValueError, match="owner"):
        LeaderLease(MemoryStateStore(), "s", "", ttl=1)


@pytest.mark.redis
async def test_failover_between_two_processes_sharing_redis(redis_store, redis_url):
    from bot.state import RedisStateStore

    other = RedisStateStore.from_url(redis_url)  # a second connection, as another instance would have
    events: list[str] = []
    a = make(redis_store, "a", Clock(), events, ttl=0.6)
    b = make(other, "b", Clock(), events, ttl=0.6)
    a._clock = b._clock = asyncio.get_running_loop().time
    try:
        await a.start()
        await asyncio.sleep(0.1)
        await b.start()
        await asyncio.sleep(0.5)  # several renewals: a keeps it
        assert a.is_leader and not b.is_leader
        a._task.cancel()  # a "dies" without releasing
        await asyncio.sleep(1.0)
        assert b.is_leader
        assert await redis_store.get("wecombot:lease:scheduler") == "b"
    finally:
        await a.stop(release=False)
        await b.stop()
        await other.close()
    assert events[:2] == ["a+", "b+"]
