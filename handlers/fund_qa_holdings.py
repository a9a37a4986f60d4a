"""Customers and their holdings for fund Q&A: who a kf customer is, and 客户持仓诊断 for managers.

``load_customer`` gives a kf customer's tier (wording), risk tolerance (suitability) and manager
(hand-over). ``find_customers`` resolves the name a manager typed among *their own* customers, and
``holdings_context`` turns positions into what the template shows: value at the latest NAV,
concentration (largest share, HHI), positions above the customer's risk tolerance, current drawdowns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Customer, CustomerManager, Holding, Staff
from handlers.fund_metrics import Position, holdings_summary
from handlers.fund_qa_data import FundData


@dataclass(frozen=True, slots=True)
class HoldingRow:
    fund_code: str
    shares: float
    cost: float


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    """A customer as the fund Q&A needs them (from the customers and holdings tables)."""

    external_userid: str
    name: str
    tier: str | None
    risk_level: str | None
    rm_userid: str | None
    rm_name: str | None
    holdings: tuple[HoldingRow, ...]


async def _holdings(session: AsyncSession, external_userid: str) -> tuple[HoldingRow, ...]:
    rows = await session.execute(
        select(Holding.fund_code, Holding.shares, Holding.cost)
        .where(Holding.external_userid == external_userid)
        .order_by(Holding.fund_code)
    )
    return tuple(HoldingRow(code, float(shares), float(cost)) for code, shares, cost in rows)


async def _profile(session: AsyncSession, customer: Customer) -> CustomerProfile:
    rm_userid = customer.rm_userid
    if rm_userid is None:  # no primary manager from the bank: the member who follows the customer
        rm_userid = await session.scalar(
            select(CustomerManager.userid)
            .where(CustomerManager.external_userid == customer.external_userid)
            .where(CustomerManager.removed_at.is_(None))
            .order_by(CustomerManager.added_at)
            .limit(1)
        )
    rm_name = await session.scalar(select(Staff.name).where(Staff.userid == rm_userid)) if rm_userid else None
    return CustomerProfile(
        external_userid=customer.external_userid,
        name=customer.name,
        tier=customer.tier,
        risk_level=customer.risk_level,
        rm_userid=rm_userid,
        rm_name=rm_name or None,
        holdings=await _holdings(session, customer.external_userid),
    )


async def load_customer(
    sessionmaker: async_sessionmaker[AsyncSession], external_userid: str
) -> CustomerProfile | None:
    """The customer behind a kf ``external_userid``, or None when the bank has no record of them."""
    async with sessionmaker() as session:
        customer = await session.get(Customer, external_userid)
        return None if customer is None else await _profile(session, customer)


async def find_customers(
    sessionmaker: async_sessionmaker[AsyncSession], rm_userid: str, name: str
) -> list[CustomerProfile]:
    """The manager's customers whose name (or remark) contains ``name``; exact names first."""
    name = name.strip()
    if not name:
        raise ValueError("customer name must not be empty")
    async with sessionmaker() as session:
        followed = select(CustomerManager.external_userid).where(
            CustomerManager.userid == rm_userid, CustomerManager.removed_at.is_(None)
        )
        query = (
            select(Customer)
            .where(or_(Customer.rm_userid == rm_userid, Customer.external_userid.in_(followed)))
            .where(Customer.name.contains(name, autoescape=True))
            .order_by(Customer.name)
            .limit(5)
        )
        customers = (await session.execute(query)).scalars().all()
        customers = sorted(customers, key=lambda c: c.name != name)
        return [await _profile(session, c) for c in customers]


def holdings_context(data: FundData, profile: CustomerProfile) -> dict[str, Any]:
    """Template context for 客户持仓诊断; ``summary`` is None when nothing is held (or priced)."""
    snap = data.snapshot
    positions, rows, unpriced = [], [], []
    for holding in profile.holdings:
        fund, nav = snap.funds.get(holding.fund_code), snap.navs.get(holding.fund_code)
        if fund is None or nav is None:
            unpriced.append(holding.fund_code)
            continue
        value = holding.shares * nav.nav
        positions.append(Position(fund.code, value, int(fund.risk_level[1])))
        rows.append(
            {
                "fund": fund,
                "value": value,
                "cost": holding.cost,
                "pnl": value / holding.cost - 1 if holding.cost else None,
            }
        )
    tolerance = profile.risk_level
    level = int(tolerance[1]) if tolerance and len(tolerance) == 2 and tolerance[1] in "12345" else None
    summary = None
    if positions and level is not None and snap.as_of is not None:
        summary = holdings_summary(positions, level, snap.series, snap.as_of)
    elif positions and snap.as_of is not None:  # not assessed: every position is checked against C1
        summary = holdings_summary(positions, 1, snap.series, snap.as_of)
    rows.sort(key=lambda r: -r["value"])
    for row in rows:
        code = row["fund"].code
        row["weight"] = summary.weights.get(code) if summary else None
        row["drawdown"] = summary.drawdowns.get(code) if summary else None
        row["over_risk"] = bool(summary and code in summary.over_risk)
    return {
        "profile": profile,
        "rows": rows,
        "summary": summary,
        "unpriced": unpriced,
        "assessed": level is not None,
    }
