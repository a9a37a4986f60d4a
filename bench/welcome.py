"""Benchmark: time from a new contact's callback to ``send_welcome_msg`` reaching the simulator.

50 customers add their managers at the same moment (SYNTHETIC corp: new contacts and known customers
of every tier, States of every channel). Latency per welcome = the simulator's arrival time of the
``send_welcome_msg`` carrying that contact's code minus the moment the simulator started sending the
signed ``add_external_contact`` callback. So it includes encryption, the callback, dedupe, the tier
look-up, template choice, the compliance gate, attachments and the WeCom client.

Baseline in the same run: the same stack and path with a bare handler that sends a fixed welcome at
once (no database, templates, gate or attachments): the floor set by the callback and the client.

    python bench/welcome.py [--contacts 50] [--rounds 4] [--database URL] [--redis URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import ClientSession

from bot import keys
from bot.embedded import embedded_stack
from bot.routing import Router
from bot.sandbox.store import sandbox_state
from bot.wecom.events import ExternalContactEvent

STATES = ("branch_sh01", "fund_page_000001", "event_2026q4", "", "fund_page_110022")


def bare_router() -> Router:
    router = Router(name="bench.bare_welcome")

    @router.event("change_external_contact", "add_external_contact")
    async def welcome(event: ExternalContactEvent, wecom: Any) -> None:
        await wecom.send_welcome_msg(event.welcome_code, "欢迎（基准）")

    return router


def _targets(stack: Any, contacts: int, round_no: int) -> list[dict[str, str]]:
    """Half known customers (their tier drives the template), half brand-new contacts."""
    known = stack.corp.customers
    rms = [m.userid for m in stack.corp.rms()]
    out = []
    for i in range(contacts):
        state = STATES[i % len(STATES)]
        if i % 2 == 0:
            c = known[(round_no * contacts + i) % len(known)]
            out.append({"userid": c.rm_userid, "external_userid": c.external_userid, "state": state})
        else:
            out.append({"userid": rms[i % len(rms)], "state": state})
    return out


async def _round(stack: Any, session: ClientSession, targets: list[dict[str, str]]) -> list[float]:
    started: dict[str, float] = {}

    async def add(body: dict[str, str]) -> None:
        t0 = time.time()
        async with session.post(f"{stack.sandbox_url}/_sandbox/actions/add_contact", json=body) as resp:
            data = await resp.json()
            assert resp.status == 200, data
        started[data["welcome_code"]] = t0

    await asyncio.gather(*(add(t) for t in targets))
    await stack.service[keys.TASKS].join()
    state = sandbox_state(stack.sandbox)
    arrived = {
        entry["body"]["welcome_code"]: entry["time"]
        for entry in state.requests
        if entry["path"].endswith("/send_welcome_msg") and isinstance(entry.get("body"), dict)
    }
    missing = set(started) - set(arrived)
    if missing:
        raise SystemExit(f"{len(missing)} welcomes never reached the simulator")
    return [arrived[code] - t0 for code, t0 in started.items()]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def measure(label: str, contacts: int, rounds: int, database: str | None, redis: str | None, **kw: Any):
    from tests.community.conftest import load_corp  # the SYNTHETIC corp with tiers, as in the tests

    with tempfile.TemporaryDirectory(prefix="wecombot-bench-") as tmp:
        db = database or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        async with embedded_stack(
            database_url=db, redis_url=redis, overrides={"migrate_database": True, **kw}
        ) as stack:
            await load_corp(stack)
            latencies: list[float] = []
            async with ClientSession() as session:
                await _round(stack, session, _targets(stack, 5, 99))  # warm-up: token, media upload
                for r in range(rounds):
                    latencies += await _round(stack, session, _targets(stack, contacts, r))
                    await asyncio.sleep(1.1)  # re-adds of a known customer need a new CreateTime
    p50, p99 = statistics.median(latencies), _pct(latencies, 0.99)
    print(
        f"{label:<10} n={len(latencies):4d}  p50 {p50 * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms  "
        f"max {max(latencies) * 1000:7.1f} ms"
    )
    return p50, p99


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=50, help="concurrent new contacts per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--database", default=None, help="database URL (default: a temp SQLite file)")
    parser.add_argument("--redis", default=None, help="state store URL (default: in-process)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    print(f"welcome path, {args.contacts} concurrent new contacts x {args.rounds} rounds (SYNTHETIC corp)")
    base = await measure(
        "baseline", args.contacts, args.rounds, args.database, args.redis, router=bare_router()
    )
    full = await measure("community", args.contacts, args.rounds, args.database, args.redis)
    print(
        f"ratio p50 {full[0] / base[0]:.2f}x  p99 {full[1] / base[1]:.2f}x  goal p99 < 1000 ms: "
        f"{'met' if full[1] < 1.0 else 'NOT met'}"
    )


if __name__ == "__main__":
    asyncio.run(main())
