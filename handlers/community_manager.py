"""Managers' commands in the app: ``我的客户``, ``客户 NAME``, ``我的群`` (rm; ops may look up anyone)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Renderer
from bot.db.models import (
    CorpTag,
    Customer,
    CustomerGroup,
    CustomerManager,
    CustomerTag,
    GroupDailyStat,
    GroupMember,
)
from bot.matchers import Role
from bot.routing import Router
from bot.wecom.events import Event
from bot.wecom.replies import TextReply
from handlers.community_optout import find_customers

router = Router(name=__name__)
LIST_LIMIT = 30


async def tags_of(session: AsyncSession, external_userids: list[str]) -> dict[str, list[str]]:
    query = (
        select(CustomerTag.external_userid, CorpTag.name)
        .join(CorpTag, CorpTag.tag_id == CustomerTag.tag_id)
        .where(CustomerTag.external_userid.in_(external_userids), CorpTag.deleted.is_(False))
        .order_by(CorpTag.name)
    )
    out: dict[str, list[str]] = defaultdict(list)
    for external_userid, name in (await session.execute(query)).all():
        out[external_userid].append(name)
    return out


async def groups_of_customers(session: AsyncSession, external_userids: list[str]) -> dict[str, list[str]]:
    query = (
        select(GroupMember.member_id, CustomerGroup.name)
        .join(CustomerGroup, CustomerGroup.chat_id == GroupMember.chat_id)
        .where(GroupMember.member_id.in_(external_userids), CustomerGroup.dismissed_at.is_(None))
        .order_by(CustomerGroup.name)
    )
    out: dict[str, list[str]] = defaultdict(list)
    for member_id, name in (await session.execute(query)).all():
        out[member_id].append(name)
    return out


def _card(customer: Customer, tags: dict[str, list[str]], groups: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "name": customer.name,
        "tier": customer.tier,
        "risk_level": customer.risk_level,
        "aum_band": customer.aum_band,
        "opt_out": customer.opt_out,
        "tags": tags.get(customer.external_userid, []),
        "groups": groups.get(customer.external_userid, []),
    }


async def customers_of(session: AsyncSession, userid: str) -> list[Customer]:
    query = (
        select(Customer)
        .join(CustomerManager, CustomerManager.external_userid == Customer.external_userid)
        .where(CustomerManager.userid == userid, CustomerManager.removed_at.is_(None))
        .order_by(Customer.name)
    )
    return list((await session.execute(query)).scalars())


async def groups_with_today(session: AsyncSession, userid: str, day: date) -> list[dict[str, Any]]:
    """The manager's live groups with member counts and today's joins and leaves."""
    members = select(GroupMember.chat_id, func.count().label("n")).group_by(GroupMember.chat_id).subquery()
    query = (
        select(
            CustomerGroup.name,
            CustomerGroup.chat_id,
            members.c.n,
            GroupDailyStat.joins,
            GroupDailyStat.leaves,
        )
        .outerjoin(members, members.c.chat_id == CustomerGroup.chat_id)
        .outerjoin(
            GroupDailyStat, (GroupDailyStat.chat_id == CustomerGroup.chat_id) & (GroupDailyStat.day == day)
        )
        .where(CustomerGroup.owner_userid == userid, CustomerGroup.dismissed_at.is_(None))
        .order_by(CustomerGroup.name)
    )
    return [
        {"name": name or chat_id, "members": n or 0, "joins": joins or 0, "leaves": leaves or 0}
        for name, chat_id, n, joins, leaves in (await session.execute(query)).all()
    ]


@router.command("我的客户", filters=[Role("rm")])
async def my_customers(event: Event, db: Any, render: Renderer) -> TextReply:
    if db is None:
        return TextReply(render.text("community/manager/no_data", channel="app_text"))
    async with db() as session:
        customers = await customers_of(session, event.sender)
        shown = customers[:LIST_LIMIT]
        tags = await tags_of(session, [c.external_userid for c in shown])
    cards = [_card(c, tags, {}) for c in shown]
    text = render.text("community/manager/customers", channel="app_text", cards=cards, total=len(customers))
    return TextReply(text)


@router.command("客户", filters=[Role("rm", "ops")])
async def one_customer(event: Event, args: str, role: str, db: Any, render: Renderer) -> TextReply:
    if not args:
        return TextReply(render.text("community/manager/customer_usage", channel="app_text"))
    if db is None:
        return TextReply(render.text("community/manager/no_data", channel="app_text"))
    async with db() as session:
        found = await find_customers(session, args, None if role == "ops" else event.sender)
        ids = [c.external_userid for c in found[:5]]
        tags, groups = await tags_of(session, ids), await groups_of_customers(session, ids)
    cards = [_card(c, tags, groups) for c in found[:5]]
    text = render.text(
        "community/manager/customer", channel="app_text", query=args, cards=cards, total=len(found)
    )
    return TextReply(text)


@router.command("我的群", filters=[Role("rm")])
async def my_groups(event: Event, db: Any, render: Renderer, clock: Any) -> TextReply:
    if db is None:
        return TextReply(render.text("community/manager/no_data", channel="app_text"))
    async with db() as session:
        groups = await groups_with_today(session, event.sender, clock().date())
    return TextReply(render.text("community/manager/groups", channel="app_text", groups=groups))
