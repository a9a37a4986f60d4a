"""Reminder cards (营销机会提醒) against the simulator: drawdown talking points, buttons through signed
``template_card_event`` callbacks, remind-me-later, per-manager caps, digest, opted-out customers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import ClientSession
from sqlalchemy import select

from bot import keys
from bot.db.models import Reminder
from bot.embedded import EmbeddedStack
from bot.journeys.clock import ManualClock
from bot.journeys.triggers import parse_event
from bot.sandbox import events
from bot.sandbox.credentials import SANDBOX_AES_KEY, SANDBOX_CORP_ID, SANDBOX_TOKEN
from bot.sandbox.driver import CallbackDriver
from bot.wecom.xmlparse import parse_xml
from tests.companion.conftest import (
    FUND_B,
    START,
    cards_to,
    customer,
    hold,
    journeys,
    set_customer,
    tasks_to,
    texts_to,
)


async def press(stack: EmbeddedStack, userid: str, task_id: str, key: str) -> str:
    """The manager taps a button: WeCom's signed callback; returns the bot's answer text."""
    async with ClientSession() as http:
        driver = CallbackDriver(stack.callback_url, SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID, http)
        before = len(await texts_to(stack, userid))
        result = await driver.send(events.template_card_event(userid, task_id, "rc-1", key))
    assert result.status == 200
    if result.reply_xml:
        return str(parse_xml(result.reply_xml)["Content"])
    for _ in range(100):  # slower than the passive budget: the answer comes through message/send
        texts = await texts_to(stack, userid)
        if len(texts) > before:
            return texts[-1]
        await asyncio.sleep(0.05)
    raise AssertionError("no answer to the button")


def drawdown(ext: str, event_id: str, value: float = 0.15) -> dict[str, object]:
    return {
        "event_id": event_id,
        "type": "drawdown",
        "external_userid": ext,
        "data": {"fund_code": FUND_B, "drawdown": value},
    }


async def test_drawdown_explains_to_holder_and_reminds_manager_whose_buttons_work(
    stack: EmbeddedStack, clock: ManualClock
) -> None:
    holder = customer(stack, "affluent")
    await hold(stack, holder.external_userid, FUND_B)
    service = journeys(stack)
    small = await service.ingest(parse_event(drawdown(holder.external_userid, "dd-0", 0.05), clock()))
    assert small.result["entered"] == []  # below the journey's 10% threshold
    await service.ingest(parse_event(drawdown(holder.external_userid, "dd-1"), clock()))
    await service.tick(clock())
    await service.tick(clock())
    await service.flush(clock())
    explained = await tasks_to(stack, holder.external_userid)
    assert len(explained) == 1 and "回撤" in explained[0] and "市场有风险" in explained[0]
    [card] = await cards_to(stack, holder.rm_userid)
    assert card["main_title"]["title"] == "持仓回撤提醒"
    facts = {item["keyname"]: item["value"] for item in card["horizontal_content_list"]}
    assert facts["客户"] == holder.name and facts["风险等级"] == holder.risk_level

    other = next(m.userid for m in stack.corp.rms() if m.userid != holder.rm_userid)
    assert "不属于您" in await press(stack, other, card["task_id"], "done")
    answer = await press(stack, holder.rm_userid, card["task_id"], "later")
    assert "3小时后" in answer
    clock.advance(hours=2)
    await service.tick(clock())
    await service.flush(clock())
    assert len(await cards_to(stack, holder.rm_userid)) == 1  # not yet
    clock.advance(hours=1, minutes=1)
    await service.tick(clock())
    await service.flush(clock())
    cards = await cards_to(stack, holder.rm_userid)
    assert len(cards) == 2 and cards[1]["task_id"] != card["task_id"]
    assert "已经处理过" in await press(stack, holder.rm_userid, card["task_id"], "done")  # the old card
    assert "已完成" in await press(stack, holder.rm_userid, cards[1]["task_id"], "done")
    async with stack.service[keys.DB]() as session:
        reminder = (await session.execute(select(Reminder))).scalar_one()
    assert reminder.status == "done" and reminder.remind_count == 2


async def test_per_manager_daily_cap_defers_the_rest_to_the_next_morning(
    stack: EmbeddedStack, clock: ManualClock
) -> None:
    rm = stack.corp.rms()[0].userid
    mine = [c for c in stack.corp.customers if c.rm_userid == rm][:10]
    service = journeys(stack)
    for i, c in enumerate(mine):
        event = {
            "event_id": f"idle-{i}",
            "type": "idle_balance",
            "external_userid": c.external_userid,
            "data": {"amount": 200000},
        }
        await service.ingest(parse_event(event, clock()))
    await service.tick(clock())
    await service.tick(clock())
    await service.flush(clock())
    assert len(await cards_to(stack, rm)) == 8  # [companion] reminders_per_day
    clock.set(START + timedelta(hours=5))
    await service.tick(clock())
    await service.flush(clock())
    assert len(await cards_to(stack, rm)) == 8  # the rest wait for tomorrow
    clock.set(START + timedelta(days=1))
    await service.tick(clock())
    await service.flush(clock())
    assert len(await cards_to(stack, rm)) == 10


async def test_daily_digest_and_no_marketing_reminders_about_opted_out_customers(
    stack: EmbeddedStack, clock: ManualClock
) -> None:
    rm = stack.corp.rms()[1].userid
    first, second = [c for c in stack.corp.customers if c.rm_userid == rm][:2]
    await set_customer(stack, second.external_userid, opt_out=True)
    async with ClientSession() as http:
        driver = CallbackDriver(stack.callback_url, SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID, http)
        result = await driver.send(events.text_message(rm, "提醒汇总 开", 1))
    assert "已开启" in parse_xml(result.reply_xml)["Content"]
    service = journeys(stack)
    for i, c in enumerate((first, second)):
        event = {
            "event_id": f"idle-d{i}",
            "type": "idle_balance",
            "external_userid": c.external_userid,
            "data": {"amount": 200000},
        }
        await service.ingest(parse_event(event, clock()))
    for _ in range(2):
        await service.tick(clock())
        await service.flush(clock())
    assert await cards_to(stack, rm) == []  # digest instead of cards
    requests = await _texts(stack, rm)
    assert len(requests) == 1 and "共1条" in requests[0] and first.name in requests[0]
    assert second.name not in requests[0]  # opted out: the marketing reminder was suppressed
    async with stack.service[keys.DB]() as session:
        statuses = {r.external_userid: r.status for r in (await session.execute(select(Reminder))).scalars()}
    assert statuses == {first.external_userid: "sent", second.external_userid: "suppressed"}


async def _texts(stack: EmbeddedStack, userid: str) -> list[str]:
    return [t for t in await texts_to(stack, userid) if "提醒汇总" in t and "条" in t]
