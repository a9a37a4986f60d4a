"""Benchmark: one morning report to 100,000 customers in 20,000 groups under 2,000 managers.

Phase 1 (plan): generate that SYNTHETIC population in a fresh SQLite file (and, with --postgres, in a
private PostgreSQL schema), then time plan -> render per segment -> compliance gate -> outbox rows and
cap-ledger entries, in one transaction, with peak Python memory (tracemalloc) and peak RSS.

Phase 2 (drain): queue --tasks mass-message tasks for the simulator's synthetic corp and time how fast
the delivery worker drains them against the simulator on loopback (add_msg_template + the manager's
template card per task, audit and MassTask rows written), i.e. real HTTP through the real client.

    python bench/fanout.py [--customers 100000 --groups 20000 --managers 2000] [--tasks 1000]
                           [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import secrets
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import ClientSession, web
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.compliance import ComplianceGate
from bot.content import Renderer
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Customer, CustomerGroup, CustomerManager, GroupMember, Outbox, QuotaEntry, Staff
from bot.delivery.audience import Audience
from bot.delivery.outbox import enqueue
from bot.delivery.planner import DeliveryRequest, Planner
from bot.delivery.policy import DeliveryPolicy
from bot.delivery.worker import DeliveryWorker
from bot.embedded import embedded_settings, free_port
from bot.sandbox.app import create_sandbox_app
from bot.sandbox.corp import build_corp
from bot.sandbox.limits import SandboxLimits
from bot.state import MemoryStateStore
from bot.wecom.client import WeComClient
from scheduler.content import EXAMPLE_INPUTS, load_inputs_file
from scheduler.slots import SHANGHAI

TIERS = ["long_tail"] * 70 + ["affluent"] * 22 + ["hnw"] * 8


async def populate(engine: AsyncEngine, customers: int, groups: int, managers: int) -> None:
    """SYNTHETIC staff, customers, follow relations, groups and members, inserted in bulk."""
    rng = random.Random(7)
    rms = [f"rm_{i:05d}" for i in range(managers)]
    async with engine.begin() as conn:
        await conn.execute(
            insert(Staff),
            [
                {
                    "userid": u,
                    "name": u,
                    "role": "rm",
                    "department": "",
                    "can_contact_customers": True,
                    "active": True,
                }
                for u in rms
            ],
        )
        batch: list[dict[str, Any]] = []
        rel: list[dict[str, Any]] = []
        for i in range(customers):
            ext = f"wm_synth_{i:07d}"
            batch.append(
                {
                    "external_userid": ext,
                    "name": ext,
                    "rm_userid": rms[i % managers],
                    "tier": rng.choice(TIERS),
                    "risk_level": rng.choice(("C1", "C2", "C3", "C4", "C5")),
                    "opt_out": rng.random() < 0.02,
                    "gender": 0,
                    "contact_type": 1,
                    "consent": True,
                }
            )
            rel.append(
                {
                    "external_userid": ext,
                    "userid": rms[i % managers],
                    "state": "",
                    "remark": "",
                    "description": "",
                }
            )
            if len(batch) == 5000:
                await conn.execute(insert(Customer), batch)
                await conn.execute(insert(CustomerManager), rel)
                batch, rel = [], []
        if batch:
            await conn.execute(insert(Customer), batch)
            await conn.execute(insert(CustomerManager), rel)
        chats = [
            {
                "chat_id": f"wr_synth_{g:06d}",
                "name": f"g{g}",
                "owner_userid": rms[g % managers],
                "notice": "",
                "status": 0,
            }
            for g in range(groups)
        ]
        for start in range(0, len(chats), 5000):
            await conn.execute(insert(CustomerGroup), chats[start : start + 5000])
        members = []
        for i in range(customers):  # each customer in one group of their own manager
            manager = i % managers
            per = max(1, groups // managers)
            g = manager + managers * (i // managers % per)
            members.append(
                {
                    "chat_id": f"wr_synth_{g:06d}",
                    "member_id": f"wm_synth_{i:07d}",
                    "member_type": 2,
                    "name": "",
                }
            )
            if len(members) == 5000:
                await conn.execute(insert(GroupMember), members)
                members = []
        if members:
            await conn.execute(insert(GroupMember), members)


def morning() -> DeliveryRequest:
    at = datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)
    return DeliveryRequest(
        fire_key="bench:morning_report@2026-12-01T00:00:00+00:00",
        kind="slots/morning_report",
        content_kind="market",
        audience=Audience.from_mapping({"chat_type": "both"}),
        planned_at=at,
        context={"inputs": load_inputs_file(EXAMPLE_INPUTS), "label": "财经早报", "day": "2026-12-01"},
        label="财经早报",
    )


async def plan_phase(engine: AsyncEngine, label: str, args: argparse.Namespace) -> None:
    await migrate.upgrade(engine)
    started = time.perf_counter()
    await populate(engine, args.customers, args.groups, args.managers)
    print(
        f"[{label}] population: {args.customers} customers, {args.groups} groups, {args.managers} managers "
        f"generated in {time.perf_counter() - started:.1f}s (not counted)"
    )
    planner = Planner(Renderer(), ComplianceGate.from_config(), DeliveryPolicy())
    ComplianceGate.warm_up()
    sessions = create_sessionmaker(engine)
    tracemalloc.start()
    started = time.perf_counter()
    async with sessions() as session, session.begin():
        result = await planner.plan(session, morning())
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    async with sessions() as session:
        rows = (await session.execute(select(func.count()).select_from(Outbox))).scalar_one()
        entries = (await session.execute(select(func.count()).select_from(QuotaEntry))).scalar_one()
    print(
        f"[{label}] plan+render+check+queue: {elapsed:.2f}s; peak Python memory {peak / 2**20:.0f} MiB; "
        f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    print(
        f"[{label}]   customers {sum(result.customers.values())} {result.customers}, "
        f"groups {sum(result.groups.values())}, "
        f"skipped {result.summary()['skipped']}, outbox rows {rows}, cap-ledger entries {entries}"
    )


async def drain_phase(db_url: str, engine: AsyncEngine, tasks: int) -> None:
    corp = build_corp(customers=600)
    sandbox = create_sandbox_app(corp, limits=SandboxLimits(mass_monthly_cap=10**9))
    runner = web.AppRunner(sandbox, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    settings = embedded_settings(f"http://127.0.0.1:{port}/cgi-bin/", db_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    rms = corp.rms()
    rows = []
    for n in range(tasks):
        rm = rms[n % len(rms)]
        ids = [c.external_userid for c in corp.customers_of(rm.userid)][:50]
        payload = {
            "chat_type": "single",
            "sender": rm.userid,
            "external_userid": ids,
            "text": {"content": f"（基准测试，合成数据）第{n}条 市场有风险，投资需谨慎。"},
            "_meta": {"label": "bench"},
        }
        rows.append(
            {
                "idempotency_key": f"bench-drain|{n}",
                "channel": "mass_task",
                "target": rm.userid,
                "sender": rm.userid,
                "payload": payload,
                "template_key": "bench",
                "template_version": 1,
                "rendered_text": payload["text"]["content"],
                "approved_by": None,
                "status": "pending",
                "not_before": datetime.now(UTC),
                "fire_id": None,
            }
        )
    async with sessions() as session, session.begin():
        await enqueue(session, rows)
    async with ClientSession() as http:
        client = WeComClient(settings.wecom, http, MemoryStateStore())
        worker = DeliveryWorker(sessions, client, Renderer(), DeliveryPolicy(batch_size=100), "bench")
        started = time.perf_counter()
        counts = await worker.drain(max_rows=tasks)  # the tasks (their cards are queued behind them)
        first = time.perf_counter() - started
        counts2 = await worker.drain()
        total = time.perf_counter() - started
        cards = counts2.get("sent", 0)
    await runner.cleanup()
    print(
        f"[drain] {tasks} mass-message tasks in {first:.2f}s = {tasks / first:.0f} tasks/s ({counts}); "
        f"with their {cards} template cards: {total:.2f}s = {(tasks + cards) / total:.0f} rows/s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=20_000)
    parser.add_argument("--managers", type=int, default=2_000)
    parser.add_argument("--tasks", type=int, default=1000, help="mass-message tasks for the drain phase")
    parser.add_argument("--postgres", help="also run phase 1 in a private schema of this database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/fanout.sqlite3"
        engine = create_engine(url)
        await plan_phase(engine, "sqlite", args)
        await engine.dispose()
        drain_url = f"sqlite+aiosqlite:///{tmp}/drain.sqlite3"
        engine = create_engine(drain_url)
        await drain_phase(drain_url, engine, args.tasks)
        await engine.dispose()
    if args.postgres:
        schema = f"bench_{secrets.token_hex(4)}"
        admin = create_engine(args.postgres)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(args.postgres, connect_args={"server_settings": {"search_path": schema}})
        try:
            await plan_phase(engine, "postgresql", args)
        finally:
            await engine.dispose()
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
