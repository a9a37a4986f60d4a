"""Three scheduler processes share Redis and PostgreSQL: each fire gets exactly one set of outbox rows,
and each row is sent at most once, also when the leader is killed (SIGKILL) in the middle of the run.

Real subprocesses run the real SchedulerService (``tests/campaigns/fire_worker.py``) with a per-second
schedule addressed to two managers, so every fire plans two app messages through the whole
fire -> plan -> gate -> outbox -> sender path.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select, text

from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import AuditEntry, Fire, Outbox, Schedule
from bot.state import LEASE
from tests.delivery.population import populate

ROOT = Path(__file__).resolve().parents[2]
OWNERS = ("w1", "w2", "w3")
SLOTS = ("morning_report", "midday_brief", "closing_commentary", "evening_notes")


async def _wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.mark.redis
@pytest.mark.postgres
async def test_three_schedulers_plan_each_fire_once(
    redis_url: str, postgres_url: str, tmp_path: Path
) -> None:
    schema = f"x_{secrets.token_hex(6)}"
    admin = create_engine(postgres_url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(postgres_url, connect_args={"server_settings": {"search_path": schema}})
    sessions = create_sessionmaker(engine)
    client = aioredis.from_url(redis_url, decode_responses=True)
    sends = tmp_path / "sends.log"  # not in Redis: other suites may flush the shared database
    await client.delete(LEASE + "scheduler")
    procs: dict[str, asyncio.subprocess.Process] = {}
    try:
        await migrate.upgrade(engine)
        await populate(sessions)
        async with sessions() as session, session.begin():
            session.add_all(
                [Schedule(name=f"slot:{s}", kind="slot", cron=s, enabled=False, target={}) for s in SLOTS]
            )
            session.add(
                Schedule(
                    name="tick",
                    kind="cron",
                    cron="* * * * * *",
                    template_key="morning_report",
                    target={"chat_type": "none", "staff": ["@rm"]},
                    trading_days_only=False,
                )
            )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for owner in OWNERS:
            cmd = [
                sys.executable,
                "-m",
                "tests.campaigns.fire_worker",
                "--owner",
                owner,
                "--redis",
                redis_url,
                "--db",
                postgres_url,
                "--schema",
                schema,
                "--sends",
                str(sends),
            ]
            procs[owner] = await asyncio.create_subprocess_exec(
                *cmd, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
            )
        for owner, proc in procs.items():
            assert proc.stdout is not None
            assert (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() == b"ready", owner

        async def fires(n: int, owner: str | None = None) -> bool:
            async with sessions() as session:
                q = select(func.count()).select_from(Fire).where(Fire.name == "tick", Fire.status == "done")
                if owner:
                    q = q.where(Fire.instance != owner)
                return (await session.execute(q)).scalar_one() >= n

        await _wait(lambda: fires(3), 20, "the first fires")
        holder: list[str] = []

        async def lease_holder() -> bool:
            holder[:] = [await client.get(LEASE + "scheduler") or ""]
            return holder[0] in procs

        await _wait(lease_holder, 10, "a lease holder")
        leader = holder[0]
        procs[leader].kill()  # anywhere: mid-plan, mid-send or idle
        await procs[leader].wait()
        await _wait(lambda: fires(3, owner=leader), 20, "a survivor to take over")
        await asyncio.sleep(3)  # recovery of a fire the dead leader left half-done, and the last sends
        for owner, proc in procs.items():
            if owner != leader:
                proc.send_signal(signal.SIGTERM)
        codes = {owner: await asyncio.wait_for(proc.wait(), 20) for owner, proc in procs.items()}
        assert codes[leader] == -signal.SIGKILL and all(c == 0 for o, c in codes.items() if o != leader)

        async with sessions() as session:
            fire_rows = list((await session.execute(select(Fire).where(Fire.name == "tick"))).scalars())
            rows = list((await session.execute(select(Outbox))).scalars())
            audited = Counter((await session.execute(select(AuditEntry.outbox_id))).scalars())
        times = sorted(f.intended_at for f in fire_rows)
        gaps = {(b - a).total_seconds() for a, b in pairwise(times)}
        assert gaps == {1.0}, f"a second was lost or doubled: {times}"
        done = {f.id for f in fire_rows if f.status == "done"}
        assert len(done) >= len(fire_rows) - 1  # at most the very last fire is still in flight at shutdown
        per_fire = Counter(r.fire_id for r in rows)
        assert all(per_fire[f] == 2 for f in done), per_fire  # exactly one set of rows per fire
        assert {r.target for r in rows} == {"rm_a", "rm_b"}
        assert max(audited.values()) == 1  # no row recorded as sent twice
        sent = sum(1 for r in rows if r.status == "sent")
        uncertain = sum(1 for r in rows if r.status == "failed")
        assert uncertain <= 1  # a row the dead leader was sending: flagged, not repeated
        calls = len(sends.read_text().splitlines()) if sends.exists() else 0
        assert sent <= calls <= sent + uncertain
    finally:
        for proc in procs.values():
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await client.aclose()
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
