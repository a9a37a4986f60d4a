"""The data scene: the full sync from WeCom (the simulator) and what the bank's import brought in."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import keys
from bot.db.full_sync import full_sync
from bot.db.models import Customer, CustomerGroup, Fund, FundNav, Holding, Staff
from bot.embedded import EmbeddedStack
from bot.tour.transcript import Transcript


async def full_sync_and_imports(stack: EmbeddedStack, t: Transcript) -> None:
    sessionmaker = stack.service[keys.DB]
    report = await full_sync(sessionmaker, stack.service[keys.WECOM], stack.service[keys.STATE])
    t.say(
        "service→WeCom full sync",
        f"{report.members} managers, {report.relations} customer relations, {report.groups} groups, "
        f"{report.tags} corp tags (resumed: {report.resumed})",
    )
    async with sessionmaker() as session:
        staff = (await session.execute(select(Staff.role, func.count()).group_by(Staff.role))).all()
        tiers = (await session.execute(select(Customer.tier, func.count()).group_by(Customer.tier))).all()
        fund_types = (await session.execute(select(Fund.type, func.count()).group_by(Fund.type))).all()
        navs = await session.scalar(select(func.count()).select_from(FundNav))
        span = (await session.execute(select(func.min(FundNav.date), func.max(FundNav.date)))).one()
        holdings = await session.scalar(select(func.count()).select_from(Holding))
        groups = (await session.execute(select(CustomerGroup.name).limit(3))).scalars().all()
    t.say("database staff", ", ".join(f"{role} {n}" for role, n in sorted(staff)))
    t.say("database customers by tier", ", ".join(f"{tier} {n}" for tier, n in sorted(tiers, key=str)))
    t.say("bank import funds", ", ".join(f"{kind} {n}" for kind, n in sorted(fund_types, key=str)))
    t.say("bank import NAVs", f"{navs} daily NAVs from {span[0]} to {span[1]}; {holdings} holdings")
    t.say("customer groups", "、".join(groups) + " …")
    if not navs or not holdings:
        raise AssertionError("the synthetic bank data was not imported")
