"""A customer's key facts for journeys and reminders: who they are, their manager, holdings valued at the
latest NAV. Plain queries, shared by the engine (template context) and the scans (drawdowns)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Customer, CustomerManager, Fund, FundNav, Holding, Staff

TIER_NAMES = {"long_tail": "长尾", "affluent": "富裕", "hnw": "高净值"}  # codes -> the bank's own words


async def manager_of(session: AsyncSession, customer: Customer) -> str | None:
    """The primary manager from the bank's data, else the earliest active follower in WeCom."""
    if customer.rm_userid:
        return customer.rm_userid
    statement = (
        select(CustomerManager.userid)
        .where(
            CustomerManager.external_userid == customer.external_userid, CustomerManager.removed_at.is_(None)
        )
        .order_by(CustomerManager.added_at, CustomerManager.id)
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def latest_navs(session: AsyncSession, codes: Sequence[str]) -> dict[str, tuple[Any, Decimal]]:
    """code -> (date, nav) of the latest published NAV."""
    if not codes:
        return {}
    latest = (
        select(FundNav.fund_code, func.max(FundNav.date).label("d"))
        .where(FundNav.fund_code.in_(list(codes)))
        .group_by(FundNav.fund_code)
        .subquery()
    )
    statement = select(FundNav.fund_code, FundNav.date, FundNav.nav).join(
        latest, (FundNav.fund_code == latest.c.fund_code) & (FundNav.date == latest.c.d)
    )
    return {code: (day, nav) for code, day, nav in (await session.execute(statement)).all()}


async def holdings_of(session: AsyncSession, external_userid: str) -> list[dict[str, Any]]:
    """Each position with fund name, value at the latest NAV and return on cost (None when no NAV)."""
    rows = (
        await session.execute(
            select(Holding, Fund)
            .join(Fund, Fund.code == Holding.fund_code)
            .where(Holding.external_userid == external_userid)
            .order_by(Holding.fund_code)
        )
    ).all()
    navs = await latest_navs(session, [h.fund_code for h, _f in rows])
    out = []
    for holding, fund in rows:
        day, nav = navs.get(holding.fund_code, (None, None))
        value = holding.shares * nav if nav is not None else None
        ret = float(value / holding.cost - 1) if value is not None and holding.cost else None
        out.append(
            {
                "fund_code": fund.code,
                "fund_name": fund.short_name or fund.name,
                "risk_level": fund.risk_level,
                "type": fund.type,
                "shares": float(holding.shares),
                "cost": float(holding.cost),
                "value": float(value) if value is not None else None,
                "return": ret,
                "nav_date": day.isoformat() if day else None,
                "purchase_date": holding.purchase_date.isoformat(),
            }
        )
    return out


async def customer_facts(session: AsyncSession, customer: Customer, subject: str = "") -> dict[str, Any]:
    """What templates may show about the customer (and the subject fund, when the subject is a fund code)."""
    holdings = await holdings_of(session, customer.external_userid)
    manager = await manager_of(session, customer)
    staff = await session.get(Staff, manager) if manager else None
    fund = await session.get(Fund, subject) if subject and len(subject) == 6 else None
    total = sum(h["value"] or 0 for h in holdings)
    return {
        "customer": {
            "external_userid": customer.external_userid,
            "name": customer.name or "客户",
            "tier": customer.tier or "long_tail",
            "tier_name": TIER_NAMES.get(customer.tier or "", ""),
            "risk_level": customer.risk_level or "",
            "aum_band": customer.aum_band or "",
            "opt_out": bool(customer.opt_out),
        },
        "manager": {"userid": manager or "", "name": staff.name if staff else ""},
        "holdings": holdings,
        "total_value": total,
        "fund": (
            {
                "code": fund.code,
                "name": fund.short_name or fund.name,
                "risk_level": fund.risk_level,
                "type": fund.type,
            }
            if fund
            else None
        ),
        "holding": next((h for h in holdings if h["fund_code"] == subject), None),
    }
