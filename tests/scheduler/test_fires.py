"""The fire ledger contract, run against every implementation: one winner per (schedule, time)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.db.engine import create_sessionmaker
from bot.state import MemoryStateStore, RedisStateStore
from scheduler.fires import DbFireLedger, FireLedger, StateFireLedger, fire_key
from scheduler.slots import SHANGHAI
from tests.scheduler.dbutil import fires_engine

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)


@pytest.fixture(params=["memory", "redis", "sqlite", "postgres"])
async def ledgers(request, tmp_path) -> AsyncIterator[list[FireLedger]]:
    """Three ledgers over one backend, as three instances would hold them."""
    if request.param == "memory":
        store = MemoryStateStore()
        yield [StateFireLedger(store)] * 3
        return
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        stores = [RedisStateStore.from_url(url) for _ in range(3)]
        await stores[0]._redis.flushdb()
        yield [StateFireLedger(s) for s in stores]
        for store in stores:
            await store.close()
        return
    url = (
        f"sqlite+aiosqlite:///{tmp_path}/fires.sqlite3"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = await fires_engine(url)
    yield [DbFireLedger(create_sessionmaker(engine)) for _ in range(3)]
    await engine.dispose()


async def test_exactly_one_concurrent_claimer_wins(ledgers):
    claims = (ledger.claim("morning_report", T0, f"i{n}") for n, ledger in enumerate(ledgers))
    results = await asyncio.gather(*claims)
    assert sorted(results) == [False, False, True]
    # The same instant written in another zone is the same fire.
    assert await ledgers[0].claim("morning_report", T0.astimezone(UTC)) is False
    # Another time or another schedule is a different fire.
    assert await ledgers[1].claim("morning_report", T0 + timedelta(days=1)) is True
    assert await ledgers[2].claim("closing_commentary", T0) is True


async def test_outcomes_and_last_fire(ledgers):
    ledger = ledgers[0]
    assert await ledger.last_fire("evening_notes") is None
    for offset, mark in ((0, "done"), (1, "missed"), (2, "failed")):
        intended = T0 + timedelta(days=offset)
        assert await ledger.claim("evening_notes", intended, "i0")
        assert await ledger.status("evening_notes", intended) == "claimed"  # type: ignore[attr-defined]
        if mark == "failed":
            await ledger.mark_failed("evening_notes", intended, "RuntimeError: boom")
        else:
            await getattr(ledger, f"mark_{mark}")("evening_notes", intended)
        assert await ledger.status("evening_notes", intended) == mark  # type: ignore[attr-defined]
    assert await ledger.last_fire("evening_notes") == T0 + timedelta(days=2)
    await ledger.claim("evening_notes", T0 - timedelta(days=5))  # an older catch-up claim
    assert await ledger.last_fire("evening_notes") == T0 + timedelta(days=2)


def test_fire_key_is_the_utc_instant():
    assert fire_key("morning_report", T0) == "morning_report@2026-12-01T00:00:00+00:00"
    with pytest.raises(ValueError, match="timezone-aware"):
        fire_key("morning_report", datetime(2026, 12, 1, 8))
    with pytest.raises(ValueError, match="schedule_id"):
        fire_key("", T0)
