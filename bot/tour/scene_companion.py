"""Companion scene: a purchase, then the D+1 and D+7 steps on a fast clock, and a reminder card a manager
handles with a button (a signed ``template_card_event`` callback, as WeCom sends it)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from aiohttp import ClientSession
from sqlalchemy import select

from bot import keys
from bot.db.models import Customer, Holding
from bot.embedded import EmbeddedStack
from bot.journeys.service import JourneyService
from bot.sandbox import events
from bot.sandbox.credentials import SANDBOX_AES_KEY, SANDBOX_CORP_ID, SANDBOX_TOKEN
from bot.sandbox.driver import CallbackDriver
from bot.tour.transcript import Transcript
from bot.wecom.xmlparse import parse_xml


async def purchase_then_d1_d7_and_a_reminder(stack: EmbeddedStack, t: Transcript) -> None:
    resources = stack.service[keys.DISPATCHER].resources
    service: JourneyService = resources.services["journeys"]
    async with stack.service[keys.DB]() as session:
        row = (
            await session.execute(
                select(Customer, Holding.fund_code)
                .join(Holding, Holding.external_userid == Customer.external_userid)
                .where(Customer.opt_out.is_(False), Customer.rm_userid.is_not(None))
                .order_by(Customer.external_userid)
                .limit(1)
            )
        ).first()
    if row is None:
        raise AssertionError("no customer with holdings in the sample data")
    buyer, code = row
    now = resources.clock()
    event = {
        "event_id": f"tour-purchase-{now:%Y%m%d%H%M%S}",
        "type": "purchase",
        "external_userid": buyer.external_userid,
        "data": {"fund_code": code, "amount": 50000},
    }
    t.say("bank → POST /api/v1/events", f"purchase: {buyer.name} 申购 {code}")
    t.say("service", str(await _post_event(stack, event)))
    await t.show_outbound()  # the transcript shows what was sent from here on

    day = now.astimezone(stack.settings.tz).date()
    for offset, label in ((1, "D+1"), (7, "D+7")):
        moment = datetime.combine(day + timedelta(days=offset), time(11, 0), tzinfo=stack.settings.tz)
        t.say("fast clock", f"{label}: {moment:%Y-%m-%d %H:%M}")
        await service.tick(moment, scan_now=False)
        await service.flush(moment)
        sent = await t.show_outbound()
        if not any(r["path"].endswith("add_msg_template") for r in sent):
            raise AssertionError(f"no {label} task for the manager to confirm")

    moment = datetime.combine(day + timedelta(days=7), time(11, 5), tzinfo=stack.settings.tz)
    drop = {
        "event_id": f"tour-drawdown-{now:%Y%m%d%H%M%S}",
        "type": "drawdown",
        "external_userid": buyer.external_userid,
        "data": {"fund_code": code, "drawdown": 0.12},
    }
    t.say("bank → POST /api/v1/events", f"drawdown: {code} 回撤 12%")
    t.say("service", str(await _post_event(stack, drop)))
    for _ in range(2):
        await service.tick(moment, scan_now=False)
    await service.flush(moment)
    sent = await t.show_outbound()
    cards = [
        r["body"]["template_card"]
        for r in sent
        if r["body"].get("msgtype") == "template_card"
        and r["body"]["template_card"].get("card_type") == "button_interaction"
    ]
    if not cards:
        raise AssertionError("no reminder card")
    card = cards[-1]
    t.say(f"理财经理 {buyer.rm_userid}", f"点击「{card['button_list'][0]['text']}」")
    async with ClientSession() as http:
        driver = CallbackDriver(stack.callback_url, SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID, http)
        result = await driver.send(events.template_card_event(buyer.rm_userid, card["task_id"], "rc", "done"))
    await t.settle()
    if result.reply_xml:
        t.say("bot (passive reply)", parse_xml(result.reply_xml)["Content"])
    await t.show_outbound()


async def _post_event(stack: EmbeddedStack, event: dict[str, Any]) -> dict[str, Any]:
    """What the bank's systems do: POST the event to the service's API with the bearer token."""
    headers = {"Authorization": f"Bearer {stack.settings.api_token}"}
    async with ClientSession() as session:
        async with session.post(f"{stack.service_url}/api/v1/events", json=event, headers=headers) as resp:
            answer = await resp.json()
            if resp.status not in (200, 202):
                raise AssertionError(f"event refused ({resp.status}): {answer}")
            return answer
