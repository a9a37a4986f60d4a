"""A small SYNTHETIC population for delivery tests: 2 managers, 7 customers, 2 groups, one fund holder."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Customer, CustomerGroup, CustomerManager, Fund, GroupMember, Holding, Staff

ADDED = datetime(2026, 1, 5, 9, tzinfo=UTC)
# external_userid, manager, tier, risk, opt_out
CUSTOMERS = [
    ("wm_a1", "rm_a", "long_tail", "C1", False),
    ("wm_a2", "rm_a", "long_tail", "C3", False),
    ("wm_a3", "rm_a", "affluent", "C4", False),
    ("wm_a4", "rm_a", "hnw", "C5", False),
    ("wm_a5", "rm_a", "long_tail", "C2", True),  # opted out
    ("wm_b1", "rm_b", "affluent", "C2", False),
    ("wm_b2", "rm_b", "hnw", "C4", False),
]
GROUPS = {"wr_g1": ("rm_a", ["wm_a1", "wm_a2"]), "wr_g2": ("rm_b", ["wm_b1", "wm_b2"])}


async def populate(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        session.add_all(
            [Staff(userid=u, name=u, role="rm", can_contact_customers=True) for u in ("rm_a", "rm_b")]
        )
        session.add(Staff(userid="ops_x", name="ops_x", role="ops"))
        await session.flush()
        for ext, rm, tier, risk, opt_out in CUSTOMERS:
            session.add(
                Customer(
                    external_userid=ext, name=ext, rm_userid=rm, tier=tier, risk_level=risk, opt_out=opt_out
                )
            )
        await session.flush()
        for ext, rm, *_ in CUSTOMERS:
            session.add(CustomerManager(external_userid=ext, userid=rm, added_at=ADDED))
        for chat_id, (owner, members) in GROUPS.items():
            session.add(CustomerGroup(chat_id=chat_id, name=chat_id, owner_userid=owner))
            await session.flush()
            session.add_all([GroupMember(chat_id=chat_id, member_id=m, member_type=2) for m in members])
        session.add(Fund(code="900003", name="演示权益基金", type="equity", risk_level="R4"))
        await session.flush()
        session.add(
            Holding(
                external_userid="wm_a3",
                fund_code="900003",
                shares=Decimal(100),
                cost=Decimal(100),
                purchase_date=date(2026, 1, 6),
            )
        )
