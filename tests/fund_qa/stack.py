"""Shared scenario set-up for fund Q&A and kf tests: the embedded stack over SYNTHETIC sample data.

The sample database (synthetic corp, ~36 SYNTHETIC funds with 5 years of NAVs, customers, holdings) is
built once per test session into a SQLite file and copied for every test, so each test starts from the
same data without paying for the import again.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from bot import keys
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.sample_data import load_sample_data
from bot.directory import StaticDirectory
from bot.embedded import EmbeddedStack, embedded_stack
from bot.sandbox.corp import build_corp

SAMPLE_END = date(2026, 11, 27)


async def build_sample_db(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        await load_sample_data(create_sessionmaker(engine), build_corp(), end=SAMPLE_END)
    finally:
        await engine.dispose()


def make_sample_db(directory: Path) -> Path:
    path = directory / "sample.sqlite3"
    asyncio.run(build_sample_db(path))
    return path


def staff_directory() -> StaticDirectory:
    """The synthetic corp's members as the static directory (role and name)."""
    return StaticDirectory({m.userid: {"role": m.role, "name": m.name} for m in build_corp().members})


@asynccontextmanager
async def sample_stack(sample_db: Path, tmp_path: Path, **overrides: Any) -> AsyncIterator[EmbeddedStack]:
    db = tmp_path / "t.sqlite3"
    if not db.exists():
        shutil.copy(sample_db, db)
    merged = {"migrate_database": True, "directory": staff_directory(), **overrides}
    async with embedded_stack(database_url=f"sqlite+aiosqlite:///{db}", overrides=merged) as stack:
        yield stack


async def action(stack: EmbeddedStack, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """Do something in WeCom (the simulator) and wait until the service finished handling it."""
    async with ClientSession() as session:
        async with session.post(f"{stack.sandbox_url}/_sandbox/actions/{name}", json=body) as resp:
            result = await resp.json()
            assert resp.status == 200, result
    await settle(stack)
    return result


async def settle(stack: EmbeddedStack) -> None:
    await stack.service[keys.TASKS].join()


async def sandbox_get(stack: EmbeddedStack, view: str, **params: str) -> Any:
    async with ClientSession() as session:
        async with session.get(f"{stack.sandbox_url}/_sandbox/{view}", params=params) as resp:
            return await resp.json()
