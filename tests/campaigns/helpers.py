"""Scenario helpers: the embedded stack (service + simulator), synthetic sample data, an API token."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

import bot.embedded
from bot import keys
from bot.db.sample_data import load_sample_data
from bot.embedded import EmbeddedStack, embedded_stack
from tests.daytime import without_quiet_hours

API_TOKEN = "test-api-token-synthetic"


@asynccontextmanager
async def scenario_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None = None
) -> AsyncIterator[EmbeddedStack]:
    without_quiet_hours(tmp_path, monkeypatch)
    real = bot.embedded.sandbox_env
    monkeypatch.setattr(bot.embedded, "sandbox_env", lambda *a: {**real(*a), "WECOMBOT_API_TOKEN": API_TOKEN})
    url = database_url or f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3"
    async with embedded_stack(database_url=url, overrides={"migrate_database": True}) as stack:
        await load_sample_data(stack.service[keys.DB], stack.corp)
        yield stack


async def api(stack: EmbeddedStack, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with ClientSession() as session:
        async with session.request(method, stack.service_url + path, json=body, headers=headers) as resp:
            return resp.status, await resp.json()


async def sandbox(stack: EmbeddedStack, method: str, path: str, body: Any = None) -> Any:
    async with ClientSession() as session:
        async with session.request(method, stack.sandbox_url + path, json=body) as resp:
            data = await resp.json()
            assert resp.status == 200, data
            return data


async def wait_for(predicate: Callable[[], Awaitable[Any]], what: str, seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
