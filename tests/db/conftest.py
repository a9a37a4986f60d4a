"""Database fixtures: every test here runs once on SQLite (a temp file) and once on real PostgreSQL.

PostgreSQL tests get a schema of their own (dropped afterwards) through ``search_path``, so they never
see tables of another test or of another module's tests sharing the same database.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker


@pytest.fixture(params=["sqlite", "postgres"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database (no tables)."""
    if request.param == "sqlite":
        eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}")
        yield eng
        await eng.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield eng
    finally:
        await eng.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def migrated(engine: AsyncEngine) -> AsyncEngine:
    """The same database, migrated to head."""
    await migrate.upgrade(engine)
    return engine


@pytest.fixture
def sessionmaker(migrated: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(migrated)
