"""Keyword auto-replies (config and database, by channel, role and priority) and opt-out."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot import keys
from bot.content import Renderer
from bot.db.models import ChangeEntry, Customer, KeywordRule
from bot.wecom.xmlparse import parse_xml
from handlers.community_service import community_of
from tests.community.conftest import Sim

RENDER = Renderer()


async def _ask(sim: Sim, userid: str, text: str) -> str | None:
    result = await sim.action("member_message", {"userid": userid, "text": text})
    reply = result["callback"]["reply"]
    if reply:
        return parse_xml(reply)["Content"]
    sent = await sim.requests("message/send")
    return sent[-1]["body"]["text"]["content"] if sent else None


async def test_config_keyword_answers_before_any_other_handler(sim: Sim) -> None:
    rm = sim.stack.corp.rms()[0].userid
    assert await _ask(sim, rm, "请问营业时间是几点") == RENDER.text("community/keywords/opening_hours")
    assert await _ask(sim, rm, "人工热线多少") == RENDER.text("community/keywords/hotline")


async def test_role_limited_keyword_answers_only_that_role(sim: Sim) -> None:
    rm = sim.stack.corp.rms()[0].userid
    ops = next(m for m in sim.stack.corp.members if m.role == "ops").userid
    toolkit = RENDER.text("community/keywords/rm_toolkit")
    assert await _ask(sim, rm, "工具箱") == toolkit
    assert await _ask(sim, ops, "工具箱") != toolkit


async def test_database_rule_with_higher_priority_overrides_config(sim: Sim) -> None:
    async with sim.db() as session, session.begin():
        session.add(
            KeywordRule(
                name="holiday_hours",
                match="contains",
                pattern="营业时间",
                priority=50,
                reply_text="节假日营业安排：以网点公告为准（SYNTHETIC 运营配置）。",
            )
        )
    community_of(sim.stack.service[keys.DISPATCHER].resources.services).keywords.invalidate()
    rm = sim.stack.corp.rms()[0].userid
    assert await _ask(sim, rm, "营业时间") == "节假日营业安排：以网点公告为准（SYNTHETIC 运营配置）。"


async def _kf_sent(sim: Sim, at_least: int = 0) -> list[dict[str, Any]]:
    """What the service sent through kf; kf messages are pulled, so wait until ``at_least`` arrived."""
    for _ in range(300):
        sent = await sim.call("GET", "/_sandbox/kf/sent")
        if len(sent) >= at_least:
            return sent
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} kf messages sent")


async def _opted_out(sim: Sim, external_userid: str) -> bool:
    async with sim.db() as session:
        return (await session.get(Customer, external_userid)).opt_out


async def _changes_of(sim: Sim, external_userid: str) -> list[tuple[str, str, str]]:
    """The change log's (actor, role, action) about one customer, oldest first."""
    async with sim.db() as session:
        rows = await session.execute(
            select(ChangeEntry)
            .where(ChangeEntry.object_type == "customer", ChangeEntry.object_id == external_userid)
            .order_by(ChangeEntry.id)
        )
        return [(c.actor, c.actor_role, c.action) for c in rows.scalars()]


async def test_customer_opts_out_through_kf_and_back_in(sim: Sim) -> None:
    customer = sim.stack.corp.customers[3]
    await sim.action("kf_message", {"external_userid": customer.external_userid, "text": "TD"})
    sent = await _kf_sent(sim, 1)
    assert sent[-1]["text"]["content"] == RENDER.text("community/optout/confirmed")
    assert "订阅" in sent[-1]["text"]["content"]  # says how to opt back in
    assert await _opted_out(sim, customer.external_userid)
    await sim.action("kf_message", {"external_userid": customer.external_userid, "text": "订阅"})
    assert (await _kf_sent(sim, 2))[-1]["text"]["content"] == RENDER.text("community/optout/resumed")
    assert not await _opted_out(sim, customer.external_userid)
    who = f"customer:{customer.external_userid}"
    assert await _changes_of(sim, customer.external_userid) == [
        (who, "customer", "customer.opt_out"),
        (who, "customer", "customer.opt_in"),
    ]


async def test_manager_marks_a_customer_opted_out(sim: Sim) -> None:
    rm = sim.stack.corp.rms()[0].userid
    names = [c.name for c in sim.stack.corp.customers]
    customer = next(c for c in sim.stack.corp.customers_of(rm) if names.count(c.name) == 1)
    reply = await _ask(sim, rm, f"退订 {customer.name}")
    assert reply is not None and customer.name in reply and "恢复订阅" in reply
    assert await _opted_out(sim, customer.external_userid)
    # another manager cannot opt out someone else's customer
    other = sim.stack.corp.rms()[1].userid
    stranger = next(
        c for c in sim.stack.corp.customers_of(rm) if c is not customer and names.count(c.name) == 1
    )
    reply = await _ask(sim, other, f"退订 {stranger.name}")
    assert reply is not None and "没有找到" in reply
    assert not await _opted_out(sim, stranger.external_userid)
    # the change log names the manager who did it; a refused command changed nothing
    assert await _changes_of(sim, customer.external_userid) == [
        (f"wecom:{rm}", "manager", "customer.opt_out")
    ]
    assert await _changes_of(sim, stranger.external_userid) == []


async def test_manager_commands_list_and_describe_customers(sim: Sim) -> None:
    rm = sim.stack.corp.rms()[0].userid
    mine = sim.stack.corp.customers_of(rm)
    listing = await _ask(sim, rm, "我的客户")
    assert listing is not None and f"共 {len(mine)} 位" in listing
    names = [c.name for c in sim.stack.corp.customers]
    customer = next(c for c in mine if names.count(c.name) == 1 and c.tags)
    detail = await _ask(sim, rm, f"客户 {customer.name}")
    label = {"long_tail": "长尾客户", "affluent": "富裕客户", "hnw": "高净值客户"}[customer.tier]
    assert detail is not None and customer.name in detail and label in detail
    async with sim.db() as session:
        row = (
            await session.execute(
                select(Customer).where(Customer.external_userid == customer.external_userid)
            )
        ).scalar_one()
    assert row.tier == customer.tier
