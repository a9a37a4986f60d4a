"""Customer groups (members current, daily stats, group welcome templates) and customers who leave."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.content import Renderer
from bot.db.models import CustomerGroup, CustomerManager, GroupDailyStat, GroupMember, GroupWelcomeTemplate
from bot.sandbox import events
from bot.wecom.xmlparse import parse_xml
from tests.community.conftest import Sim

RENDER = Renderer()


def _outsider(sim: Sim, chat_id: str):
    group = sim.stack.corp.group(chat_id)
    return next(c for c in sim.stack.corp.customers if c.external_userid not in group.member_external_userids)


async def test_join_and_leave_keep_members_and_daily_counts(sim: Sim) -> None:
    group = sim.stack.corp.groups[0]
    newcomer = _outsider(sim, group.chat_id)
    await sim.action("join_group", {"chat_id": group.chat_id, "external_userid": newcomer.external_userid})
    async with sim.db() as session:
        members = set(
            (
                await session.execute(
                    select(GroupMember.member_id).where(GroupMember.chat_id == group.chat_id)
                )
            ).scalars()
        )
    assert newcomer.external_userid in members
    assert len(await sim.requests("externalcontact/groupchat/get")) == 1
    leaver = group.member_external_userids[0]
    await sim.action("leave_group", {"chat_id": group.chat_id, "external_userid": leaver})
    async with sim.db() as session:
        members = set(
            (
                await session.execute(
                    select(GroupMember.member_id).where(GroupMember.chat_id == group.chat_id)
                )
            ).scalars()
        )
        [stat] = (await session.execute(select(GroupDailyStat))).scalars().all()
    assert leaver not in members and newcomer.external_userid in members
    assert (stat.chat_id, stat.joins, stat.leaves) == (group.chat_id, 1, 1)
    # the manager sees it
    reply = await sim.action("member_message", {"userid": group.owner_userid, "text": "我的群"})
    text = reply["callback"]["reply"]
    assert text is not None
    content = parse_xml(text)["Content"]
    assert f"{group.name}：{len(members)} 人，今日 +1 / -1" in content


async def test_group_welcome_template_is_created_once_per_kind(sim: Sim) -> None:
    group = sim.stack.corp.groups[0]
    same_kind = [g for g in sim.stack.corp.groups if g.kind == group.kind][:2]
    for g in same_kind:
        await sim.action(
            "join_group", {"chat_id": g.chat_id, "external_userid": _outsider(sim, g.chat_id).external_userid}
        )
    adds = await sim.requests("externalcontact/group_welcome_template/add")
    assert len(adds) == 1
    expected = RENDER.text(f"community/group_welcome/{group.kind}")
    assert adds[0]["body"]["text"]["content"] == expected
    async with sim.db() as session:
        row = await session.get(GroupWelcomeTemplate, group.kind)
    assert row is not None and row.template_id == adds[0]["response"]["template_id"]


async def test_dismissed_group_is_marked(sim: Sim) -> None:
    group = sim.stack.corp.groups[1]
    await sim.send_xml(events.external_chat_event("dismiss", group.chat_id, create_time=int(time.time())))
    async with sim.db() as session:
        row = await session.get(CustomerGroup, group.chat_id)
    assert row is not None and row.dismissed_at is not None


async def test_customer_leaving_alerts_their_manager_with_tier(sim: Sim) -> None:
    customer = next(c for c in sim.stack.corp.customers if c.tier == "affluent")
    await sim.action(
        "customer_leaves", {"userid": customer.rm_userid, "external_userid": customer.external_userid}
    )
    sent = await sim.requests("message/send")
    assert len(sent) == 1
    body = sent[0]["body"]
    assert body["touser"] == customer.rm_userid and body["msgtype"] == "text"
    assert customer.name in body["text"]["content"] and "富裕客户" in body["text"]["content"]
    async with sim.db() as session:
        relation = (
            await session.execute(
                select(CustomerManager).where(
                    CustomerManager.external_userid == customer.external_userid,
                    CustomerManager.userid == customer.rm_userid,
                )
            )
        ).scalar_one()
    assert relation.removed_by == "customer" and relation.removed_at is not None


async def test_member_removing_a_customer_updates_the_relation_without_alert(sim: Sim) -> None:
    customer = sim.stack.corp.customers[0]
    xml = events.external_contact_event(
        "del_external_contact", customer.rm_userid, customer.external_userid, create_time=int(time.time())
    )
    await sim.send_xml(xml)
    assert await sim.requests("message/send") == []
    async with sim.db() as session:
        relation = (
            await session.execute(
                select(CustomerManager).where(CustomerManager.external_userid == customer.external_userid)
            )
        ).scalar_one()
    assert relation.removed_by == "member"
