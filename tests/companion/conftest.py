"""Companion fixtures: the embedded stack (service + simulator on loopback) on a manual clock, SYNTHETIC data.

The stack runs with ``[companion] tick_seconds = 0`` and the scheduler off, so nothing moves unless the
test ticks the journey service at a time of its choosing (the "fast clock").
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientSession
from sqlalchemy import update

from bot import keys
from bot.db.models import Customer, Fund, FundNav, Holding
from bot.db.sample_data import store_corp
from bot.embedded import EmbeddedStack, embedded_stack
from bot.journeys.clock import ManualClock
from bot.journeys.service import JourneyService
from bot.sandbox.corp import SyntheticCorp

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)  # a Tuesday
FUND_A, FUND_B = "900001", "900002"  # SYNTHETIC funds of these tests


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "test.toml"
    path.write_text("[companion]\ntick_seconds = 0\n\n[scheduler]\nenabled = false\n", encoding="utf-8")
    monkeypatch.setenv("WECOMBOT_CONFIG", str(path))
    return path


StackFactory = Callable[[], AbstractAsyncContextManager[EmbeddedStack]]


@pytest.fixture
def make_stack(tmp_path: Path, clock: ManualClock, config_file: Path) -> StackFactory:
    """A new stack on the same SQLite file each time (a restart keeps the database)."""
    url = f"sqlite+aiosqlite:///{tmp_path}/companion.sqlite3"

    def factory() -> AbstractAsyncContextManager[EmbeddedStack]:
        return embedded_stack(database_url=url, overrides={"migrate_database": True, "clock": clock})

    return factory


@pytest.fixture
async def stack(make_stack: StackFactory) -> AsyncIterator[EmbeddedStack]:
    async with make_stack() as running:
        await seed(running)
        yield running


def journeys(stack: EmbeddedStack) -> JourneyService:
    return stack.service[keys.DISPATCHER].resources.services["journeys"]  # type: ignore[no-any-return]


async def seed(stack: EmbeddedStack) -> None:
    """The synthetic corp, bank attributes per customer, two SYNTHETIC funds with NAVs, a few holdings."""
    db = stack.service[keys.DB]
    corp: SyntheticCorp = stack.corp
    await store_corp(db, corp)
    async with db() as session, session.begin():
        for c in corp.customers:
            await session.execute(
                update(Customer)
                .where(Customer.external_userid == c.external_userid)
                .values(tier=c.tier, risk_level=c.risk_level, rm_userid=c.rm_userid, aum_band=c.aum_band)
            )
        for code, name, risk, fund_type in (
            (FUND_A, "示例稳健混合（合成）", "R3", "mixed"),
            (FUND_B, "示例指数增强（合成）", "R4", "index"),
        ):
            session.add(
                Fund(
                    code=code,
                    name=name,
                    short_name=name,
                    type=fund_type,
                    risk_level=risk,
                    company="示例基金公司（合成数据）",
                )
            )
        await session.flush()
        for i in range(10):
            day = date(2026, 11, 16) + timedelta(days=i)
            session.add(FundNav(fund_code=FUND_A, date=day, nav=Decimal("1.0000"), acc_nav=Decimal("1.0000")))
            nav_b = Decimal("1.0000") - Decimal("0.02") * i  # falls 18% over the period
            session.add(FundNav(fund_code=FUND_B, date=day, nav=nav_b, acc_nav=nav_b))


def customer(stack: EmbeddedStack, tier: str | None = None, index: int = 0) -> Any:
    found = [c for c in stack.corp.customers if tier is None or c.tier == tier]
    return found[index]


async def hold(stack: EmbeddedStack, ext: str, code: str, cost: str = "10000", shares: str = "10000") -> None:
    async with stack.service[keys.DB]() as session, session.begin():
        session.add(
            Holding(
                external_userid=ext,
                fund_code=code,
                shares=Decimal(shares),
                cost=Decimal(cost),
                purchase_date=date(2026, 11, 16),
            )
        )


async def set_customer(stack: EmbeddedStack, ext: str, **values: Any) -> None:
    async with stack.service[keys.DB]() as session, session.begin():
        await session.execute(update(Customer).where(Customer.external_userid == ext).values(**values))


async def sandbox_requests(stack: EmbeddedStack, path: str) -> list[dict[str, Any]]:
    async with (
        ClientSession() as http,
        http.get(stack.sandbox_url + "/_sandbox/requests", params={"path": path}) as response,
    ):
        return list(await response.json())


TASKS = "/cgi-bin/externalcontact/add_msg_template"
SEND = "/cgi-bin/message/send"


async def tasks_to(stack: EmbeddedStack, ext: str) -> list[str]:
    """Texts of the mass-message tasks created for one customer, oldest first."""
    return [
        r["body"]["text"]["content"]
        for r in await sandbox_requests(stack, TASKS)
        if ext in r["body"].get("external_userid", [])
    ]


async def cards_to(stack: EmbeddedStack, userid: str) -> list[dict[str, Any]]:
    """Interactive reminder cards sent to a manager."""
    return [
        r["body"]["template_card"]
        for r in await sandbox_requests(stack, SEND)
        if r["body"].get("touser") == userid
        and r["body"].get("msgtype") == "template_card"
        and r["body"]["template_card"].get("card_type") == "button_interaction"
    ]


async def texts_to(stack: EmbeddedStack, userid: str) -> list[str]:
    return [
        r["body"]["text"]["content"]
        for r in await sandbox_requests(stack, SEND)
        if r["body"].get("touser") == userid and r["body"].get("msgtype") == "text"
    ]
