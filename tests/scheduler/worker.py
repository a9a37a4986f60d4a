"""One scheduler process for the exactly-once test (run as ``python -m tests.scheduler.worker``).

It leads or waits on the shared Redis lease, fires a per-second schedule, and records each delivery
in a Redis list; SIGTERM stops it gracefully, SIGKILL is the test's crash.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from datetime import UTC, datetime

import redis.asyncio as aioredis

from bot.db.engine import create_sessionmaker
from bot.state import RedisStateStore
from scheduler.fires import DbFireLedger, FireLedger, StateFireLedger
from scheduler.leader import LeaderLease
from scheduler.runner import ScheduleDef, SchedulerRunner
from tests.scheduler.dbutil import worker_engine

DELIVERIES = "wecombot:test:deliveries"
LEASE_NAME = "exactly-once-test"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--owner", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--db", default="")
    parser.add_argument("--not-before", type=float, required=True)
    parser.add_argument("--ttl", type=float, default=1.5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {args.owner} %(name)s %(message)s")

    store = RedisStateStore.from_url(args.redis)
    log = aioredis.from_url(args.redis, decode_responses=True)
    engine = worker_engine(args.db) if args.db else None
    ledger: FireLedger = DbFireLedger(create_sessionmaker(engine)) if engine else StateFireLedger(store)

    async def deliver(schedule_id: str, intended: datetime) -> None:
        await log.rpush(DELIVERIES, f"{intended.isoformat()}|{args.owner}")

    schedule = ScheduleDef(
        "tick",
        "cron",
        deliver,
        cron="* * * * * *",
        grace=30,
        not_before=datetime.fromtimestamp(args.not_before, UTC),
    )
    lease = LeaderLease(store, LEASE_NAME, args.owner, ttl=args.ttl)
    runner = SchedulerRunner([schedule], ledger, lease=lease)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await runner.start()
    print("ready", flush=True)
    await stop.wait()
    await runner.stop()
    await log.aclose()
    await store.close()
    if engine is not None:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
