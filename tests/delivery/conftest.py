"""Delivery tests run on SQLite (a temp file) and real PostgreSQL (a schema of their own, dropped after)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.compliance import ComplianceGate
from bot.content import Renderer
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.delivery.planner import Planner
from bot.delivery.policy import DeliveryPolicy
from tests.delivery.population import populate


@pytest.fixture(params=["sqlite", "postgres"])
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}")
        await migrate.upgrade(engine)
        await populate(create_sessionmaker(engine))
        yield create_sessionmaker(engine)
        await engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"d_{secrets.token_hex(6)}"
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await migrate.upgrade(engine)
        await populate(create_sessionmaker(engine))
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture(scope="session")
def gate() -> ComplianceGate:
    return ComplianceGate.from_config()


@pytest.fixture
def planner(gate: ComplianceGate) -> Planner:
    return Planner(Renderer(), gate, DeliveryPolicy(monthly_cap=4))
