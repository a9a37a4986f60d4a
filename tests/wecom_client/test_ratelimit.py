"""Client-side limits: never more than WeCom accepts, wait a bounded time or raise RateLimited."""

from __future__ import annotations

import asyncio

import pytest

from bot.state import MemoryStateStore, RedisStateStore
from bot.wecom.errors import RateLimited, RetryLater
from bot.wecom.ratelimit import Limit, RateLimiter
from tests.wecom_client.conftest import MakeClient
from tests.wecom_client.fakewecom import FakeWeCom


class FakeClock:
    """Monotonic time that only moves when the limiter 'sleeps'."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_31st_message_in_a_minute_raises_when_the_wait_is_too_long(
    make_client: MakeClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    clock = FakeClock()
    state = MemoryStateStore(clock=clock)
    client = await make_client(state, limiter=RateLimiter(state, max_wait=10, sleep=clock.sleep))
    for i in range(30):
        await client.send_text("rm_a", f"提醒 {i}")
    with pytest.raises(RateLimited) as info:
        await client.send_text("rm_a", "第 31 条")
    assert isinstance(info.value, RetryLater)
    assert 59 < info.value.retry_after <= 60
    assert len(wecom.calls("message/send")) == 30
    await client.send_text("rm_b", "another member is not affected")
    assert len(wecom.calls("message/send")) == 31


async def test_member_limit_waits_when_allowed_and_never_exceeds_30_per_minute(
    make_client: MakeClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    clock = FakeClock()
    state = MemoryStateStore(clock=clock)
    client = await make_client(state, limiter=RateLimiter(state, max_wait=120, sleep=clock.sleep))
    sent_at: list[float] = []
    for i in range(75):
        await client.send_text(["rm_a", "rm_b"], f"提醒 {i}")
        sent_at.append(clock.now)
    assert len(wecom.calls("message/send")) == 75
    for start in sent_at:
        assert sum(1 for t in sent_at if start <= t < start + 60) <= 30
    assert clock.slept and max(clock.slept) <= 60


async def test_hourly_member_cap_of_1000(make_client: MakeClient, fake: tuple[FakeWeCom, str]) -> None:
    clock = FakeClock()
    state = MemoryStateStore(clock=clock)
    limiter = RateLimiter(state, max_wait=0, sleep=clock.sleep)
    sent = 0
    for minute in range(40):
        clock.now = 1000.0 + minute * 61
        for _ in range(30):
            try:
                await limiter.app_message("wwSyn", 1, ["rm_a"])
                sent += 1
            except RateLimited:
                break
    assert sent == 1000


async def test_group_robot_20_per_minute_per_key() -> None:
    clock = FakeClock()
    limiter = RateLimiter(MemoryStateStore(clock=clock), max_wait=0, sleep=clock.sleep)
    for _ in range(20):
        await limiter.robot("synthetic-key-1")
    with pytest.raises(RateLimited):
        await limiter.robot("synthetic-key-1")
    await limiter.robot("synthetic-key-2")


async def test_per_api_window_applies_to_every_call(
    make_client: MakeClient, fake: tuple[FakeWeCom, str]
) -> None:
    wecom, _ = fake
    clock = FakeClock()
    state = MemoryStateStore(clock=clock)
    limiter = RateLimiter(state, max_wait=0, sleep=clock.sleep, api_limits=(Limit(3, 60),))
    client = await make_client(state, limiter=limiter)
    for _ in range(3):
        await client.get_follow_user_list()
    with pytest.raises(RateLimited) as info:
        await client.get_follow_user_list()
    assert info.value.path == "externalcontact/get_follow_user_list"
    assert len(wecom.calls("externalcontact/get_follow_user_list")) == 3


@pytest.mark.redis
async def test_member_limit_is_exact_across_processes_on_redis(
    make_client: MakeClient, fake: tuple[FakeWeCom, str], redis_url: str, redis_store: RedisStateStore
) -> None:
    wecom, _ = fake
    other = RedisStateStore.from_url(redis_url)
    try:
        clients = [
            await make_client(store, limiter=RateLimiter(store, max_wait=0)) for store in (redis_store, other)
        ]
        results = await asyncio.gather(
            *(c.send_text("rm_a", "x") for _ in range(25) for c in clients), return_exceptions=True
        )
        assert sum(1 for r in results if isinstance(r, RateLimited)) == 20
        assert len(wecom.calls("message/send")) == 30
    finally:
        await other.close()


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        Limit(0, 60)
    with pytest.raises(ValueError):
        RateLimiter(MemoryStateStore(), max_wait=-1)
