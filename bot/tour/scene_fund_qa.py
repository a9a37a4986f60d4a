"""Fund Q&A scenes: a manager asks for a diagnosis; a customer asks through kf and is handed over.

The scenes wait for the WeCom request they expect in the simulator's log (not for every background
task of the service), so a long-running job elsewhere cannot stall them.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import ClientSession

from bot.embedded import EmbeddedStack
from bot.tour.transcript import Transcript

FUND = "000001"  # a SYNTHETIC sample fund (bot/db/sample_data.py)


async def _act(stack: EmbeddedStack, t: Transcript, name: str, body: dict[str, Any], *expect: str) -> None:
    """Run a simulator action, then wait (≤ 15 s) until the service made each ``expect``-ed request."""
    before = len(await t.requests())
    async with ClientSession() as session:
        async with session.post(f"{stack.sandbox_url}/_sandbox/actions/{name}", json=body) as resp:
            if resp.status != 200:
                raise RuntimeError(f"sandbox action {name} failed: {await resp.text()}")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        paths = {e["path"] for e in (await t.requests())[before:]}
        if all(p in paths for p in expect):
            await asyncio.sleep(0.2)  # let the rest of the same answer land
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {expect} after {name} {body}")


async def manager_asks_for_a_diagnosis(stack: EmbeddedStack, t: Transcript) -> None:
    rm = stack.corp.rms()[0]
    await t.show_outbound()  # only what this scene causes from here on
    t.say(f"理财经理 {rm.name}", f"诊断 {FUND}")
    await _act(
        stack, t, "member_message", {"userid": rm.userid, "text": f"诊断 {FUND}"}, "/cgi-bin/message/send"
    )
    await t.show_outbound()


async def customer_asks_through_kf(stack: EmbeddedStack, t: Transcript) -> None:
    customer = stack.corp.customers[0]
    await t.show_outbound()
    steps = (
        (f"{FUND}净值多少", ("/cgi-bin/kf/send_msg",)),
        ("赎回几天到账", ("/cgi-bin/kf/send_msg",)),
        ("我的基金亏了多少，帮我转人工", ("/cgi-bin/kf/service_state/trans", "/cgi-bin/message/send")),
    )
    for text, expect in steps:
        t.say(f"客户 {customer.name}（微信客服）", text)
        await _act(
            stack, t, "kf_message", {"external_userid": customer.external_userid, "text": text}, *expect
        )
        await t.show_outbound()
