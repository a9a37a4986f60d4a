"""Database behaviour the community handlers rely on, on SQLite and real PostgreSQL.

Concurrent member changes must not lose a count; a welcome code is recorded once; an opt-out sticks
even for a customer the bank does not know yet.
"""

from __future__ import annotations

import asyncio
from datetime import date
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Customer, GroupDailyStat, WelcomeRecord
from handlers.community_groups import count_members
from handlers.community_optout import is_opted_out, set_opt_out
from handlers.community_welcome import WelcomeOutcome, record_welcome
from tests.db.conftest import engine, migrated, sessionmaker  # noqa: F401  (fixtures: sqlite + postgres)

DAY = date(2026, 11, 30)


async def test_concurrent_member_changes_are_all_counted(
    sessionmaker: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    async def one(joins: int, leaves: int) -> None:
        async with sessionmaker() as session, session.begin():
            await count_members(session, "wrSYNTHETIC", DAY, joins=joins, leaves=leaves)

    await asyncio.gather(*(one(1, 0) for _ in range(12)), *(one(0, 2) for _ in range(5)))
    async with sessionmaker() as session:
        [row] = (await session.execute(select(GroupDailyStat))).scalars().all()
    assert (row.joins, row.leaves, row.day) == (12, 10, DAY)


def _event(code: str) -> SimpleNamespace:
    return SimpleNamespace(
        welcome_code=code,
        dedupe_key="k",
        user_id="rm_synthetic",
        external_user_id="wmSYNTHETIC",
        state="branch_sh01",
        create_time=1_796_000_000,
    )


async def test_a_welcome_code_is_recorded_once(sessionmaker: async_sessionmaker[AsyncSession]) -> None:  # noqa: F811
    outcome = WelcomeOutcome(
        "sent", "branch", "long_tail", "community/welcome/branch/default.j2", "v", "你好"
    )
    assert await record_welcome(sessionmaker, _event("code-1"), outcome)
    assert not await record_welcome(sessionmaker, _event("code-1"), outcome)
    async with sessionmaker() as session:
        rows = (await session.execute(select(WelcomeRecord))).scalars().all()
    assert [r.welcome_code for r in rows] == ["code-1"]


async def test_opt_out_holds_for_an_unknown_customer(sessionmaker: async_sessionmaker[AsyncSession]) -> None:  # noqa: F811
    async with sessionmaker() as session, session.begin():
        assert await set_opt_out(session, "wmNEW_SYNTHETIC", True)
        assert not await set_opt_out(session, "wmNEW_SYNTHETIC", True)
    async with sessionmaker() as session:
        assert await is_opted_out(session, "wmNEW_SYNTHETIC")
        row = await session.get(Customer, "wmNEW_SYNTHETIC")
        assert row is not None and row.opt_out_at is not None
    async with sessionmaker() as session, session.begin():
        assert await set_opt_out(session, "wmNEW_SYNTHETIC", False)
    async with sessionmaker() as session:
        assert not await is_opted_out(session, "wmNEW_SYNTHETIC")
