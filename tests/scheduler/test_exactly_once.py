"""Three scheduler processes share Redis (and PostgreSQL): each fire is delivered once, across a crash.

Real subprocesses (``tests/scheduler/worker.py``), a per-second schedule, the leader killed with
SIGKILL midway (right after one of its live deliveries, so no fire is between claim and callback: a
fire claimed by a process that dies before its callback is lost by design, at-most-once); the
survivors must take over the lease, catch up the seconds missed during the fail-over, and never
deliver a second twice.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text

from bot.state import LEASE
from tests.scheduler.dbutil import fires_engine
from tests.scheduler.worker import DELIVERIES, LEASE_NAME

ROOT = Path(__file__).resolve().parents[2]
OWNERS = ("w1", "w2", "w3")


async def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def _deliveries(client: aioredis.Redis) -> list[tuple[datetime, str]]:
    rows = await client.lrange(DELIVERIES, 0, -1)
    return [(datetime.fromisoformat(t), owner) for t, owner in (row.split("|") for row in rows)]


async def _run_three(redis_url: str, db_url: str) -> tuple[list[tuple[datetime, str]], str, dict[str, int]]:
    client = aioredis.from_url(redis_url, decode_responses=True)
    await client.flushdb()
    procs: dict[str, asyncio.subprocess.Process] = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        not_before = time.time()
        for owner in OWNERS:
            cmd = [sys.executable, "-m", "tests.scheduler.worker", "--owner", owner, "--redis", redis_url]
            cmd += ["--not-before", str(not_before)] + (["--db", db_url] if db_url else [])
            procs[owner] = await asyncio.create_subprocess_exec(
                *cmd, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
            )

        for owner, proc in procs.items():  # imports are slow on a busy machine: start together
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line.strip() == b"ready", f"{owner} did not start"

        async def delivered(n: int) -> bool:
            return await client.llen(DELIVERIES) >= n

        await _wait_for(lambda: delivered(2), 10, "the first deliveries")
        # Kill the leader right after one of its own deliveries, i.e. between two of its fires.
        seen = await client.llen(DELIVERIES)
        holder: list[str] = []

        async def leader_just_delivered() -> bool:
            rows = await _deliveries(client)
            lease_holder = await client.get(LEASE + LEASE_NAME)
            live = rows and rows[-1][0].timestamp() > time.time() - 1.5  # catch-up is over
            if len(rows) > seen and live and rows[-1][1] == lease_holder:
                holder.append(lease_holder)
                return True
            return False

        await _wait_for(leader_just_delivered, 10, "a delivery by the lease holder")
        leader = holder[0]
        procs[leader].kill()
        await procs[leader].wait()

        async def survivor_delivered(n: int) -> bool:
            return sum(owner != leader for _, owner in await _deliveries(client)) >= n

        await _wait_for(lambda: survivor_delivered(2), 10, "a survivor to take over")
        for owner, proc in procs.items():
            if owner != leader:
                proc.send_signal(signal.SIGTERM)
        codes = {owner: await asyncio.wait_for(proc.wait(), 10) for owner, proc in procs.items()}
        return await _deliveries(client), leader, codes
    finally:
        for proc in procs.values():
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await client.flushdb()
        await client.aclose()


def _assert_exactly_once(deliveries: list[tuple[datetime, str]], killed: str, codes: dict[str, int]) -> None:
    times = [t for t, _ in deliveries]
    assert len(times) == len(set(times)), f"a fire was delivered twice: {sorted(times)}"
    ordered = sorted(times)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(ordered)]
    assert gaps == [1.0] * len(gaps), f"a second was lost: {ordered}"
    owners = {owner for _, owner in deliveries}
    assert killed in owners and len(owners) >= 2, "leadership did not move"
    assert codes[killed] == -signal.SIGKILL
    assert all(code == 0 for owner, code in codes.items() if owner != killed)


@pytest.mark.redis
async def test_three_processes_redis_ledger(redis_url):
    deliveries, killed, codes = await _run_three(redis_url, "")
    _assert_exactly_once(deliveries, killed, codes)


@pytest.mark.redis
@pytest.mark.postgres
async def test_three_processes_postgres_ledger(redis_url, postgres_url):
    engine = await fires_engine(postgres_url)
    try:
        deliveries, killed, codes = await _run_three(redis_url, postgres_url)
        _assert_exactly_once(deliveries, killed, codes)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT status, instance FROM fires"))).all()
        assert len(rows) == len(deliveries)
        # The killed leader may not have marked its last delivery done: it died right after it.
        unfinished = [instance for status, instance in rows if status != "done"]
        assert unfinished in ([], [killed])
    finally:
        await engine.dispose()
