"""The community scene: welcomes by segment and channel, a group join, a keyword reply and an opt-out."""

from __future__ import annotations

import asyncio
import time

from bot import keys
from bot.db.models import Customer, GroupDailyStat
from bot.embedded import EmbeddedStack
from bot.tour.transcript import Transcript


async def _tier(stack: EmbeddedStack, external_userid: str) -> str | None:
    async with stack.service[keys.DB]() as session:
        customer = await session.get(Customer, external_userid)
        return customer.tier if customer is not None else None


async def _wait_for(t: Transcript, before: int, path: str, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(e["path"] == path for e in (await t.requests())[before:]):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the service made no {path} request")


async def welcomes_groups_keywords_opt_out(stack: EmbeddedStack, t: Transcript) -> None:
    corp = stack.corp
    await t.show_outbound()  # start the transcript's request window here
    hnw = next(c for c in corp.customers if c.tier == "hnw")
    t.say(
        f"客户 {hnw.name}（{await _tier(stack, hnw.external_userid)}）",
        "在基金页扫码添加理财经理 (fund_page_000001)",
    )
    await t.action(
        "add_contact",
        {"userid": hnw.rm_userid, "external_userid": hnw.external_userid, "state": "fund_page_000001"},
    )
    shown = await t.show_outbound()
    t.say("新客户", "在网点扫码添加理财经理 (branch_sh01)")
    rm = corp.rms()[0]
    await t.action("add_contact", {"userid": rm.userid, "state": "branch_sh01"})
    shown += await t.show_outbound()
    welcomes = [e for e in shown if e["path"].endswith("/send_welcome_msg")]
    if len(welcomes) != 2 or any(e["response"].get("errcode") != 0 for e in welcomes):
        raise AssertionError(f"expected two welcomes, got {len(welcomes)}")
    for entry in welcomes:
        kinds = [a["msgtype"] for a in entry["body"].get("attachments", [])]
        t.say("  attachments", ", ".join(kinds) or "none")

    group = corp.groups[0]
    newcomer = next(c for c in corp.customers if c.external_userid not in group.member_external_userids)
    t.say(f"客户 {newcomer.name}", f"加入客户群「{group.name}」")
    await t.action("join_group", {"chat_id": group.chat_id, "external_userid": newcomer.external_userid})
    await t.show_outbound()
    async with stack.service[keys.DB]() as session:
        stat = await session.get(
            GroupDailyStat, (group.chat_id, stack.service[keys.DISPATCHER].resources.clock().date())
        )
    if stat is None or stat.joins < 1:
        raise AssertionError("the join was not counted")
    owner = corp.member(group.owner_userid)
    t.say(f"理财经理 {owner.name}", "我的群")
    await t.member_asks(owner.userid, "我的群")

    t.say(f"理财经理 {rm.name}", "营业时间？")
    await t.member_asks(rm.userid, "营业时间？", label="bot keyword reply")

    customer = corp.customers_of(rm.userid)[0]
    t.say(f"客户 {customer.name} (kf)", "TD")
    before = len(await t.requests())
    await t.action("kf_message", {"external_userid": customer.external_userid, "text": "TD"})
    await _wait_for(t, before, "/cgi-bin/kf/send_msg")  # kf messages are pulled, not pushed
    await t.show_outbound()
    async with stack.service[keys.DB]() as session:
        row = await session.get(Customer, customer.external_userid)
    if row is None or not row.opt_out:
        raise AssertionError("the opt-out was not recorded")
    t.say("database", f"{customer.name}: opt_out = {row.opt_out} (marketing planners skip this customer)")
