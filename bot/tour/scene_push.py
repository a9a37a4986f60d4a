"""The push scene: a morning report planned, checked, turned into managers' tasks, confirmed and counted;
then a campaign the compliance gate rejects."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiohttp import ClientSession
from sqlalchemy import select

from bot import keys
from bot.db.models import MassTask, Outbox
from bot.delivery.audience import Audience
from bot.delivery.receipts import coverage
from bot.embedded import EmbeddedStack
from bot.tour.transcript import Transcript
from scheduler.campaign_fires import fire_row
from scheduler.content import inputs_for, local_day, slot_request
from scheduler.fires import fire_key


async def morning_report_to_groups(stack: EmbeddedStack, t: Transcript) -> None:
    service = stack.service[keys.SCHEDULER]
    pipeline, sessions = service.pipeline, service.sessions
    slot = pipeline.slots["morning_report"]
    now = datetime.now(UTC).replace(microsecond=0)
    name = "tour:morning_report"
    async with sessions() as session, session.begin():
        inputs = await inputs_for(session, local_day(now), slot.name, pipeline.inputs_file)
        if inputs is None:
            raise AssertionError("no market inputs configured ([content].market_inputs_file)")
        fire = await fire_row(session, name, now, "tour")
        audience = Audience.from_mapping({"chat_type": "group"})
        request = slot_request(slot, now, inputs, audience, fire_key(name, now), fire.id)
        plan = await pipeline.planner.plan(session, request)
        fire.status = "done"
    t.say("scheduler", f"{slot.label} 计划：客户群 {plan.groups}，跳过 {plan.summary()['skipped']}")
    t.say("compliance gate", "通过" if plan.passed else f"拦截 {plan.blocked}")
    if plan.texts:
        segment = sorted(plan.texts)[0]
        t.say(f"rendered ({segment})", plan.texts[segment])
    if not plan.outbox_ids:
        t.say("tour", "本月群发次数已用完（每个客户群每月上限），本次未创建任务")
        return
    seen = len(await t.requests())
    await service.worker.drain()
    sent = (await t.requests())[seen:]
    tasks_sent = [r for r in sent if r["path"].endswith("/add_msg_template")]
    cards = [r for r in sent if r["path"].endswith("/message/send")]
    t.say(
        "service→WeCom",
        f"add_msg_template ×{len(tasks_sent)}（每位理财经理一个任务），模板卡片 ×{len(cards)}",
    )
    if cards:
        card = cards[0]["body"]["template_card"]
        t.say(
            f"app message → {cards[0]['body']['touser']}",
            f"{card['main_title']['title']}｜{card['sub_title_text']}",
        )
    async with sessions() as session:
        ids = select(Outbox.id).where(Outbox.fire_id == fire.id)
        tasks = list((await session.execute(select(MassTask).where(MassTask.outbox_id.in_(ids)))).scalars())
    if not tasks:
        raise AssertionError("no mass-message task was created")
    for task in tasks:
        t.say(f"理财经理 {task.sender}", "（在企业微信中点击「发送」）")
        async with ClientSession() as http:  # the manager's tap: no callback to the service follows
            url = f"{stack.sandbox_url}/_sandbox/actions/confirm_mass_task"
            async with http.post(url, json={"msgid": task.msgid, "userid": task.sender}) as resp:
                if resp.status != 200:
                    raise AssertionError(f"confirm failed: {await resp.text()}")
    await service.worker.receipts.poll(datetime.now(UTC))
    cov = await coverage(sessions, fire_ids=[fire.id])
    t.say(
        "coverage",
        f"任务 {cov['tasks_created']} 个，已确认 {cov['tasks_confirmed']} 个，"
        f"送达客户群 {cov['targets_delivered']}/{cov['targets_planned']}",
    )
    if cov["tasks_confirmed"] != len(tasks):
        raise AssertionError(f"coverage does not add up: {cov}")


async def campaign_rejected_by_the_gate(stack: EmbeddedStack, t: Transcript) -> None:
    book = stack.service[keys.SCHEDULER].pipeline.book
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    body = "本产品保本保收益，稳赚不赔，年化收益最高可达8%！"
    created = await book.create(
        {
            "name": f"年末冲量（演示 {stamp}）",
            "template": "notice",
            "author": "ops_liuyan",
            "audience": {"segments": ["long_tail"]},
            "variables": {"title": "年末特惠", "body": body},
        }
    )
    t.say("运营 刘艳 (ops_liuyan)", f"提交活动「{created['name']}」：{body}")
    result = await book.act(created["id"], "submit", "ops_liuyan")
    t.say("compliance gate", f"{result['status']}：{result['review_reason']}")
    if result["status"] != "rejected":
        raise AssertionError(f"the gate let it through: {json.dumps(result, ensure_ascii=False)}")
