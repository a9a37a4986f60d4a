"""One scheduler process for the exactly-once test (``python -m tests.campaigns.fire_worker``).

The real SchedulerService (runner, Redis lease, DbFireLedger, fire pipeline, delivery worker) over a
shared PostgreSQL schema; WeCom is a recorder that appends each app message to a file. SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from datetime import timedelta
from typing import Any

from bot.compliance import ComplianceGate
from bot.content import Renderer
from bot.db.engine import create_engine, create_sessionmaker
from bot.delivery.planner import Planner
from bot.delivery.policy import DeliveryPolicy
from bot.state import RedisStateStore
from scheduler.service import SchedulerService


class RecordingWeCom:
    """Appends one line per app message to a file shared by the workers (O_APPEND writes are atomic)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    async def send_message(self, payload: dict[str, Any]) -> dict[str, Any]:
        os.write(self.fd, f"{payload.get('touser')}\n".encode())
        return {"errcode": 0, "msgid": "m"}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--owner", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--sends", required=True, help="file that records every app message sent")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format=f"%(asctime)s {args.owner} %(name)s %(message)s")
    engine = create_engine(args.db, connect_args={"server_settings": {"search_path": args.schema}})
    store = RedisStateStore.from_url(args.redis)
    policy = DeliveryPolicy(claim_timeout=timedelta(seconds=2), batch_size=10)
    planner = Planner(Renderer(), ComplianceGate.from_config(), policy)
    config = {
        "grace_seconds": 30,
        "lease_ttl_seconds": 1.5,
        "reload_seconds": 1,
        "drain_seconds": 0.2,
        "recover_after_seconds": 2,
    }
    service = SchedulerService(
        create_sessionmaker(engine),
        store,
        RecordingWeCom(args.sends),
        planner,
        policy,
        config,
        owner=args.owner,
        inputs_file="config/market_inputs.example.toml",
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await service.start()
    print("ready", flush=True)
    await stop.wait()
    await service.stop()
    await store.close()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
