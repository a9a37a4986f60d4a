"""Customers as operations staff and relationship managers look them up: a searchable list and one detail.

``scope`` is a manager's WeCom userid (:attr:`Principal.manager_scope`): they see only customers they
follow now (a ``customer_managers`` row not removed), whatever else the query asks; a customer outside
their scope is answered as unknown, so nobody learns who else banks here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.base import TIERS
from bot.db.models import (
    AuditEntry,
    CorpTag,
    Customer,
    CustomerGroup,
    CustomerManager,
    CustomerTag,
    Fund,
    FundNav,
    GroupMember,
    Holding,
    Staff,
)
from bot.queries.paging import clamp, iso, one_page, paged, search

Sessions = async_sessionmaker[AsyncSession]
SEGMENTS = TIERS  # a customer's segment is their tier as the bank stores it
RECENT_MESSAGES = 20


def followed_by(userid: str) -> Select[tuple[str]]:
    """External userids that ``userid`` follows now."""
    return select(CustomerManager.external_userid).where(
        CustomerManager.userid == userid, CustomerManager.removed_at.is_(None)
    )


def _conditions(
    scope: str | None, q: str | None, segment: str | None, manager: str | None, tag: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope is not None:
        conditions.append(Customer.external_userid.in_(followed_by(scope)))
    if manager:
        conditions.append(Customer.external_userid.in_(followed_by(manager)))
    if segment:
        conditions.append(Customer.tier == segment)
    if tag:
        tagged = (
            select(CustomerTag.external_userid)
            .join(CorpTag, CorpTag.tag_id == CustomerTag.tag_id)
            .where(or_(CorpTag.tag_id == tag, CorpTag.name == tag))
        )
        conditions.append(Customer.external_userid.in_(tagged))
    text = search(q, Customer.name, Customer.external_userid)
    if text is not None:
        remarked = select(CustomerManager.external_userid).where(
            CustomerManager.remark.icontains(str(q).strip(), autoescape=True),
            *([CustomerManager.userid == scope] if scope is not None else []),
        )
        conditions.append(or_(text, Customer.external_userid.in_(remarked)))
    return conditions


async def list_customers(
    db: Sessions,
    *,
    scope: str | None = None,
    q: str | None = None,
    segment: str | None = None,
    manager: str | None = None,
    tag: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """One page of customers in name order, each with their current managers and tags."""
    limit, offset = clamp(limit, offset)
    conditions = _conditions(scope, q, segment, manager, tag)
    by_name = select(Customer).order_by(Customer.name, Customer.external_userid)
    async with db() as session:
        total, page = await one_page(session, Customer, conditions, by_name, limit, offset)
        customers = list(page.scalars())
        ids = [c.external_userid for c in customers]
        managers = await _managers(session, ids)
        tags = await _tags(session, ids)
    rows = [_row(c, managers.get(c.external_userid, []), tags.get(c.external_userid, [])) for c in customers]
    return paged("customers", rows, total, limit, offset)


async def customer_detail(
    db: Sessions, external_userid: str, *, scope: str | None = None
) -> dict[str, Any] | None:
    """Everything about one customer, or None when unknown or outside ``scope``."""
    async with db() as session:
        statement = select(Customer).where(Customer.external_userid == external_userid)
        if scope is not None:
            statement = statement.where(Customer.external_userid.in_(followed_by(scope)))
        customer = (await session.execute(statement)).scalar_one_or_none()
        if customer is None:
            return None
        managers = await _managers(session, [external_userid])
        tags = await _tags(session, [external_userid])
        detail = _row(customer, managers.get(external_userid, []), tags.get(external_userid, []))
        detail |= {
            "gender": {1: "male", 2: "female"}.get(customer.gender, "unknown"),
            "corp_name": customer.corp_name,
            "birthday": iso(customer.birthday),
            "holdings": await _holdings(session, external_userid),
            "groups": await _groups(session, external_userid),
            "messages": await _messages(session, external_userid),
        }
    return detail


def _row(customer: Customer, managers: list[dict[str, Any]], tags: list[str]) -> dict[str, Any]:
    added = [m["added_at"] for m in managers if m["added_at"]]
    return {
        "external_userid": customer.external_userid,
        "name": customer.name,
        "segment": customer.tier,
        "aum_band": customer.aum_band,
        "risk_level": customer.risk_level,
        "rm_userid": customer.rm_userid,
        "managers": managers,
        "tags": tags,
        "opt_out": customer.opt_out,
        "opt_out_at": iso(customer.opt_out_at),
        "consent": customer.consent,
        "consent_at": iso(customer.consent_at),
        "removed_at": iso(customer.removed_at),
        # When the first current manager added them on WeCom; the record's creation when unknown.
        "added_at": min(added) if added else iso(customer.created_at),
    }


async def _managers(session: AsyncSession, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not ids:
        return {}
    statement = (
        select(CustomerManager, Staff.name)
        .outerjoin(Staff, Staff.userid == CustomerManager.userid)
        .where(CustomerManager.external_userid.in_(ids), CustomerManager.removed_at.is_(None))
        .order_by(CustomerManager.added_at, CustomerManager.id)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for relation, name in (await session.execute(statement)).all():
        found.setdefault(relation.external_userid, []).append(
            {
                "userid": relation.userid,
                "name": name or "",
                "remark": relation.remark,
                "added_at": iso(relation.added_at),
            }
        )
    return found


async def _tags(session: AsyncSession, ids: list[str]) -> dict[str, list[str]]:
    if not ids:
        return {}
    statement = (
        select(CustomerTag.external_userid, CorpTag.name)
        .join(CorpTag, CorpTag.tag_id == CustomerTag.tag_id)
        .where(CustomerTag.external_userid.in_(ids), CorpTag.deleted.is_(False))
        .order_by(CorpTag.order, CorpTag.name)
    )
    found: dict[str, list[str]] = {}
    for external_userid, name in (await session.execute(statement)).all():
        found.setdefault(external_userid, []).append(name)
    return found


async def _holdings(session: AsyncSession, external_userid: str) -> list[dict[str, Any]]:
    latest = (
        select(FundNav.fund_code, func.max(FundNav.date).label("day")).group_by(FundNav.fund_code).subquery()
    )
    statement = (
        select(Holding, Fund.name, Fund.type, Fund.risk_level, FundNav.nav, FundNav.date)
        .join(Fund, Fund.code == Holding.fund_code)
        .outerjoin(latest, latest.c.fund_code == Holding.fund_code)
        .outerjoin(FundNav, and_(FundNav.fund_code == latest.c.fund_code, FundNav.date == latest.c.day))
        .where(Holding.external_userid == external_userid)
        .order_by(Holding.purchase_date, Holding.id)
    )
    rows = []
    for holding, name, fund_type, risk, nav, nav_date in (await session.execute(statement)).all():
        value = (
            (Decimal(holding.shares) * Decimal(nav)).quantize(Decimal("0.01")) if nav is not None else None
        )
        rows.append(
            {
                "fund_code": holding.fund_code,
                "fund_name": name,
                "fund_type": fund_type,
                "risk_level": risk,
                "shares": str(holding.shares),
                "cost": str(holding.cost),
                "purchase_date": iso(holding.purchase_date),
                "maturity_date": iso(holding.maturity_date),
                "nav": str(nav) if nav is not None else None,
                "nav_date": iso(nav_date),
                "value": str(value) if value is not None else None,
            }
        )
    return rows


async def _groups(session: AsyncSession, external_userid: str) -> list[dict[str, Any]]:
    statement = (
        select(CustomerGroup, GroupMember.join_time)
        .join(GroupMember, GroupMember.chat_id == CustomerGroup.chat_id)
        .where(GroupMember.member_id == external_userid, GroupMember.member_type == 2)
        .order_by(CustomerGroup.name, CustomerGroup.chat_id)
    )
    return [
        {
            "chat_id": group.chat_id,
            "name": group.name,
            "owner_userid": group.owner_userid,
            "joined_at": iso(joined),
        }
        for group, joined in (await session.execute(statement)).all()
    ]


async def _messages(session: AsyncSession, external_userid: str) -> list[dict[str, Any]]:
    statement = (
        select(AuditEntry)
        .where(AuditEntry.target == external_userid)
        .order_by(AuditEntry.sent_at.desc(), AuditEntry.id.desc())
        .limit(RECENT_MESSAGES)
    )
    return [message_view(entry) for entry in (await session.execute(statement)).scalars()]


def message_view(entry: AuditEntry) -> dict[str, Any]:
    """One message of the audit log, as every list shows it."""
    return {
        "id": entry.id,
        "sent_at": iso(entry.sent_at),
        "channel": entry.channel,
        "target": entry.target,
        "sender": entry.sender,
        "template_key": entry.template_key,
        "template_version": entry.template_version,
        "rendered_text": entry.rendered_text,
        "approved_by": entry.approved_by,
        "wecom_msgid": entry.wecom_msgid,
    }


async def staff_members(db: Sessions) -> list[dict[str, Any]]:
    """Active corp members, for choosing whom to give a console account."""
    async with db() as session:
        statement = select(Staff).where(Staff.active.is_(True)).order_by(Staff.role, Staff.userid)
        return [
            {"userid": s.userid, "name": s.name, "role": s.role, "department": s.department}
            for s in (await session.execute(statement)).scalars()
        ]
