"""Scenario fixtures: the service and the WeCom simulator on loopback, with the SYNTHETIC corp in the DB."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from bot import keys
from bot.db import people_repo
from bot.db.sample_data import store_corp
from bot.embedded import EmbeddedStack, embedded_stack
from bot.sandbox.actions import SANDBOX_DRIVER


class Sim:
    """Talk to the simulator the way a test reads it: actions in, request log out."""

    def __init__(self, stack: EmbeddedStack) -> None:
        self.stack = stack

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        async with ClientSession() as session:
            async with session.request(method, self.stack.sandbox_url + path, json=body) as resp:
                data = await resp.json()
                assert resp.status == 200, data
                return data

    async def action(self, name: str, body: dict[str, Any]) -> Any:
        result = await self.call("POST", f"/_sandbox/actions/{name}", body)
        await self.settle()
        return result

    async def settle(self) -> None:
        await self.stack.service[keys.TASKS].join()

    async def requests(self, path: str) -> list[dict[str, Any]]:
        return await self.call("GET", f"/_sandbox/requests?path=/cgi-bin/{path}")

    async def send_xml(self, xml: str) -> None:
        await self.stack.sandbox[SANDBOX_DRIVER].send(xml)
        await self.settle()

    @property
    def db(self) -> Any:
        return self.stack.service[keys.DB]


async def load_corp(stack: EmbeddedStack) -> None:
    """The SYNTHETIC corp's people, tags and groups, with each customer's tier as the bank knows it."""
    sessionmaker = stack.service[keys.DB]
    await store_corp(sessionmaker, stack.corp)
    async with sessionmaker() as session, session.begin():
        for c in stack.corp.customers:
            await people_repo.ensure_customer(
                session, c.external_userid, tier=c.tier, risk_level=c.risk_level, aum_band=c.aum_band
            )


StackFactory = Callable[..., Any]


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Sim]:
    async with embedded_stack(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3", overrides={"migrate_database": True}
    ) as stack:
        await load_corp(stack)
        yield Sim(stack)


@pytest.fixture
async def late_sim(tmp_path: Path) -> AsyncIterator[Sim]:
    """WeCom's clock runs 30 s behind ours: every add event looks 30 s old when it arrives."""
    async with embedded_stack(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3",
        overrides={"migrate_database": True},
        clock=lambda: time.time() - 30,
    ) as stack:
        await load_corp(stack)
        yield Sim(stack)
